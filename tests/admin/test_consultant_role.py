"""The consultant role (在线咨询): the staff form grants it; its user answers questions and nothing else."""

from tests.citizen.test_consultations_api import asked


def test_admin_makes_a_consultant(admin, api):
    new = {"username": "t_consult", "name": "何咨询", "password": "Demo-pass-2026", "roles": ["consultant"]}
    made = admin("POST", "/admin/users", json={**new, "hall": "xiqu"}, expect=201).get_json()
    assert made["roles"] == ["consultant"]
    answer = api.client.post(
        "/api/v1/auth/token", json={"username": "t_consult", "password": "Demo-pass-2026"}
    )
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    question = asked(api)
    listed = api.client.get("/api/v1/consultations", headers=headers).get_json()
    assert [row["id"] for row in listed["items"]] == [question["id"]]
    assert api.client.get("/api/v1/halls/xiqu/windows", headers=headers).status_code == 200  # staff of xiqu
    assert api.client.get("/api/v1/halls/xiqu/stats", headers=headers).status_code == 403
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 403
