"""Race tests on the real databases: citizens booking the last places of a slot at the same instant."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import Api

BOOKERS = 10
DAY = "2026-12-01"


def _slot(api) -> dict:
    slots = api.get(f"/halls/xiqu/slots?date={DAY}&queue=shsd").get_json()
    return next(slot for slot in slots if slot["start"] == f"{DAY}T10:00:00+08:00")


def _book(app, start: threading.Barrier, slot_id: int, phone: str) -> tuple[int, dict]:
    client = app.test_client()
    start.wait()
    answer = client.post(
        "/api/v1/appointments",
        json={"hall": "xiqu", "queue": "shsd", "slot_id": slot_id, "name": "张三", "phone": phone},
    )
    return answer.status_code, answer.get_json()


def test_the_last_places_are_never_overbooked(app, api):
    """With 1 of 4 places taken, do 10 citizens booking at once get exactly 3 places, the rest 409?"""
    slot = _slot(api)
    assert (
        api.post(
            "/appointments",
            json={
                "hall": "xiqu",
                "queue": "shsd",
                "slot_id": slot["id"],
                "name": "李四",
                "phone": "13600000000",
            },
        ).status_code
        == 201
    )
    start = threading.Barrier(BOOKERS)
    with ThreadPoolExecutor(BOOKERS) as pool:
        answers = list(pool.map(lambda n: _book(app, start, slot["id"], f"1370000{n:04d}"), range(BOOKERS)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 3 + [409] * (BOOKERS - 3), answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"conflict"}
    assert len({body["code"] for status, body in answers if status == 201}) == 3
    after = _slot(Api(app.test_client()))
    assert (after["booked"], after["available"]) == (4, 0)


def test_one_phone_booking_many_slots_at_once_gets_one(app, api):
    """Does one phone sending 8 bookings for different slots of a day at once get exactly one?"""
    slots = api.get(f"/halls/xiqu/slots?date={DAY}&queue=shsd").get_json()[:8]
    start = threading.Barrier(len(slots))
    with ThreadPoolExecutor(len(slots)) as pool:
        answers = list(pool.map(lambda slot: _book(app, start, slot["id"], "13800138000"), slots))
    assert sorted(status for status, _ in answers) == [201] + [409] * (len(slots) - 1), answers
    after = api.get(f"/halls/xiqu/slots?date={DAY}&queue=shsd").get_json()
    assert sum(slot["booked"] for slot in after) == 1


def test_first_lookups_of_a_day_at_once_open_it_once(app):
    """Do 8 citizens opening a day's slots at the same instant all see the same 13 slots?"""
    start = threading.Barrier(8)

    def look(_):
        client = app.test_client()
        start.wait()
        answer = client.get(f"/api/v1/halls/xiqu/slots?date={DAY}&queue=shsd")
        assert answer.status_code == 200, answer.get_json()
        return [slot["id"] for slot in answer.get_json()]

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(look, range(8)))
    assert len(seen[0]) == 13
    assert all(ids == seen[0] for ids in seen)
