"""Invariants of the demo hall data (queue_server/demo/xiqu.json).

Pure Python: reads the JSON file directly, never imports the application.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

DATA_PATH = Path(__file__).resolve().parent.parent / "queue_server" / "demo" / "xiqu.json"

MODES = {"immediate", "online", "once", "agent", "citywide"}
ROLES = {"admin", "clerk", "approver", "supervisor", "agent", "consultant"}
FORMS = {"original", "copy", "original_and_copy"}
DELIVERY = {"pickup", "mail"}
HALL_HOURS = "周一至周五 上午8:30-12:00 下午14:30-17:30（法定节假日除外）"

MODE_MINIMUMS = {"immediate": 8, "once": 8, "online": 20, "agent": 5, "citywide": 8}

REQUIRED_SERVICE_NAMES = [
    "营业执照（企业设立登记）",
    "营业执照（变更登记）",
    "企业注销登记",
    "个体工商户设立登记",
    "个体工商户变更登记",
    "食品经营许可（新办）",
    "食品经营许可（延续）",
    "小餐饮登记",
    "居住证申领",
    "居住证签注",
    "户籍迁入",
    "社会保险参保登记",
    "社保卡申领",
    "灵活就业人员参保",
    "失业登记",
    "退休待遇申领",
    "最低生活保障申请",
    "特困人员救助供养",
    "临时救助",
    "残疾人证办理",
    "残疾人两项补贴",
    "高龄津贴",
    "建设工程施工许可",
    "建设工程规划许可",
    "建设工程竣工验收备案",
    "城市建筑垃圾处置核准",
    "户外广告设置许可",
    "不动产首次登记",
    "不动产转移登记",
    "不动产抵押登记",
    "契税申报",
    "个人所得税完税证明",
    "发票领用",
    "公共场所卫生许可",
    "药品零售经营许可",
]

LOWER_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
SERVICE_CODE = re.compile(r"^[A-Z][A-Z0-9]*-\d{3}$")
HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data():
    with open(DATA_PATH, encoding="utf-8") as f:
        return json.load(f)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _nonempty_str(v):
    return isinstance(v, str) and v.strip() != ""


def _dupes(values):
    return sorted(v for v, n in Counter(values).items() if n > 1)


# ---------------------------------------------------------------- structure and types


def test_top_level_keys(data):
    assert isinstance(data, dict)
    assert set(data) == {"hall", "departments", "queues", "windows", "services", "users"}
    for key in ("departments", "queues", "windows", "services", "users"):
        assert isinstance(data[key], list), key


def test_hall(data):
    hall = data["hall"]
    assert set(hall) == {"code", "name", "address", "phone", "hours"}
    assert hall["code"] == "xiqu"
    assert hall["name"] == "中山市西区行政服务中心"
    assert _nonempty_str(hall["address"]) and "中山市西区" in hall["address"]
    assert _nonempty_str(hall["phone"])
    assert hall["hours"] == HALL_HOURS


def test_departments(data):
    for d in data["departments"]:
        assert set(d) == {"code", "name"}, d
        assert isinstance(d["code"], str) and LOWER_CODE.match(d["code"]), d
        assert _nonempty_str(d["name"]) and HAS_CJK.search(d["name"]), d
    assert not _dupes(d["code"] for d in data["departments"])
    assert not _dupes(d["name"] for d in data["departments"])


def test_queues(data):
    for q in data["queues"]:
        assert set(q) == {"code", "name", "prefix", "avg_service_s", "description"}, q
        assert isinstance(q["code"], str) and LOWER_CODE.match(q["code"]), q
        assert _nonempty_str(q["name"]), q
        assert isinstance(q["prefix"], str) and re.fullmatch(r"[A-Z]", q["prefix"]), q
        assert _is_int(q["avg_service_s"]) and q["avg_service_s"] > 0, q
        assert _nonempty_str(q["description"]), q
    assert not _dupes(q["code"] for q in data["queues"]), "queue codes"
    assert not _dupes(q["prefix"] for q in data["queues"]), "queue prefixes"


def test_windows(data):
    queue_codes = {q["code"] for q in data["queues"]}
    for w in data["windows"]:
        assert set(w) == {"number", "name", "queues"}, w
        assert _is_int(w["number"]) and w["number"] >= 1, w
        assert _nonempty_str(w["name"]), w
        assert isinstance(w["queues"], list) and 1 <= len(w["queues"]) <= 3, w
        assert len(set(w["queues"])) == len(w["queues"]), w
        unknown = set(w["queues"]) - queue_codes
        assert not unknown, f"window {w['number']} serves unknown queues {unknown}"
    numbers = [w["number"] for w in data["windows"]]
    assert not _dupes(numbers), "window numbers"
    assert sorted(numbers) == list(range(1, len(numbers) + 1)), "window numbers must be 1..N"


def test_every_queue_is_served(data):
    served = {c for w in data["windows"] for c in w["queues"]}
    unserved = {q["code"] for q in data["queues"]} - served
    assert not unserved, f"queues served by no window: {unserved}"


def test_comprehensive_and_pickup_windows(data):
    multi = [w for w in data["windows"] if len(w["queues"]) >= 2]
    assert multi, "at least one 综合窗口 serving several categories"
    pickup = [q["code"] for q in data["queues"] if q["name"] == "统一出件"]
    assert len(pickup) == 1, "exactly one 统一出件 queue"
    assert any(w["queues"] == pickup for w in data["windows"]), "a window serving 统一出件 only"


# ---------------------------------------------------------------- services

SERVICE_KEYS = {
    "code",
    "name",
    "department",
    "queue",
    "modes",
    "legal_days",
    "promised_days",
    "materials",
    "guide",
}
MATERIAL_KEYS = {"name", "form", "count", "required", "deferrable", "note"}
GUIDE_KEYS = {"conditions", "basis", "fee", "visits", "place", "hours", "result", "delivery", "notes"}


def test_service_shape(data):
    for s in data["services"]:
        assert set(s) - {"parts", "depends", "questions"} == SERVICE_KEYS, s.get("code")
        code = s["code"]
        assert isinstance(code, str) and SERVICE_CODE.match(code), code
        assert _nonempty_str(s["name"]), code
        assert isinstance(s["department"], str), code
        assert isinstance(s["queue"], str), code
        assert isinstance(s["modes"], list) and s["modes"], code
        assert _is_int(s["legal_days"]) and _is_int(s["promised_days"]), code
        assert isinstance(s["materials"], list), code
        assert isinstance(s["guide"], dict), code


def test_service_codes_and_names_unique(data):
    assert not _dupes(s["code"] for s in data["services"]), "service codes"
    assert not _dupes(s["name"] for s in data["services"]), "service names"


def test_service_references_resolve(data):
    depts = {d["code"] for d in data["departments"]}
    queues = {q["code"] for q in data["queues"]}
    for s in data["services"]:
        assert s["department"] in depts, (s["code"], s["department"])
        assert s["queue"] in queues, (s["code"], s["queue"])


def test_service_queue_is_a_front_window_category(data):
    pickup = {q["code"] for q in data["queues"] if q["name"] == "统一出件"}
    for s in data["services"]:
        assert s["queue"] not in pickup, f"{s['code']} is accepted at the pickup-only queue"


def test_modes(data):
    for s in _single_items(data):
        modes = s["modes"]
        assert len(set(modes)) == len(modes), s["code"]
        assert set(modes) <= MODES, (s["code"], set(modes) - MODES)
        # 马上办 means no site inspection or review; 一次办 means there is one.
        assert not {"immediate", "once"} <= set(modes), f"{s['code']} is both immediate and once"


def test_time_limits(data):
    for s in data["services"]:
        legal, promised = s["legal_days"], s["promised_days"]
        assert legal >= 0, s["code"]
        assert 0 <= promised <= legal, (s["code"], promised, legal)
        if "immediate" in s["modes"]:
            assert promised == 0, f"{s['code']} is immediate but promises {promised} days"


def test_materials(data):
    for s in data["services"]:
        mats = s["materials"]
        if not s.get("parts"):
            assert 2 <= len(mats) <= 6, (s["code"], len(mats))
        for m in mats:
            assert set(m) == MATERIAL_KEYS, (s["code"], m)
            assert _nonempty_str(m["name"]), s["code"]
            assert m["form"] in FORMS, (s["code"], m["form"])
            assert _is_int(m["count"]) and m["count"] >= 1, (s["code"], m)
            assert isinstance(m["required"], bool), (s["code"], m)
            assert isinstance(m["deferrable"], bool), (s["code"], m)
            assert isinstance(m["note"], str), (s["code"], m)
        assert not _dupes(m["name"] for m in mats), s["code"]
        assert any(m["required"] and not m["deferrable"] for m in mats), (
            f"{s['code']} has no required, non-deferrable material"
        )


def test_guides(data):
    for s in data["services"]:
        g = s["guide"]
        code = s["code"]
        assert set(g) == GUIDE_KEYS, code
        for key in ("conditions", "basis", "fee", "place", "result"):
            assert _nonempty_str(g[key]), (code, key)
        assert isinstance(g["notes"], str), code
        assert "《" in g["basis"] and "》" in g["basis"], (code, "basis must name a law or regulation")
        assert g["hours"] == data["hall"]["hours"], code
        assert _is_int(g["visits"]) and g["visits"] in (0, 1), (code, g["visits"])
        assert isinstance(g["delivery"], list) and g["delivery"], code
        assert set(g["delivery"]) <= DELIVERY, (code, g["delivery"])
        assert len(set(g["delivery"])) == len(g["delivery"]), code
        if "once" in s["modes"]:
            # 一次办: the applicant comes at most once and the result is mailed.
            assert "mail" in g["delivery"], f"{code} is once but cannot be mailed"


def test_required_items_present(data):
    names = {s["name"] for s in data["services"]}
    missing = [n for n in REQUIRED_SERVICE_NAMES if n not in names]
    assert not missing, f"missing items: {missing}"


def test_counts(data):
    assert len(data["services"]) >= 36
    assert len(data["windows"]) >= 10
    assert len(data["queues"]) >= 6
    assert len(data["departments"]) >= 8


def test_mode_minimums(data):
    counts = Counter(m for s in data["services"] for m in set(s["modes"]))
    short = {m: (counts[m], n) for m, n in MODE_MINIMUMS.items() if counts[m] < n}
    assert not short, f"mode counts below minimum (have, need): {short}"


# ---------------------------------------------------------------- users


def test_users(data):
    depts = {d["code"] for d in data["departments"]}
    for u in data["users"]:
        assert set(u) == {"username", "employee_no", "name", "roles", "department"}, u
        assert isinstance(u["employee_no"], str) and u["employee_no"].startswith("XQ-"), u
        assert isinstance(u["username"], str) and LOWER_CODE.match(u["username"]), u
        assert _nonempty_str(u["name"]), u
        assert isinstance(u["roles"], list) and u["roles"], u
        assert len(set(u["roles"])) == len(u["roles"]), u
        assert set(u["roles"]) <= ROLES, (u["username"], set(u["roles"]) - ROLES)
        assert u["department"] is None or u["department"] in depts, (u["username"], u["department"])
    assert not _dupes(u["username"] for u in data["users"]), "usernames"
    assert not _dupes(u["employee_no"] for u in data["users"]), "工号"


def test_admin_and_role_coverage(data):
    by_name = {u["username"]: u for u in data["users"]}
    assert "admin" in by_name
    assert set(by_name["admin"]["roles"]) == ROLES
    held = {r for u in data["users"] for r in u["roles"]}
    assert held >= ROLES, ROLES - held
    # every role also held by someone other than admin
    held_by_others = {r for u in data["users"] if u["username"] != "admin" for r in u["roles"]}
    assert ROLES - {"admin"} <= held_by_others, (ROLES - {"admin"}) - held_by_others


def test_named_staff(data):
    by_name = {u["username"]: u for u in data["users"]}
    for i in range(1, 7):
        assert "clerk" in by_name[f"clerk{i}"]["roles"], f"clerk{i}"
    assert "supervisor" in by_name["supervisor1"]["roles"]
    assert "agent" in by_name["agent1"]["roles"]


def test_approvers(data):
    approvers = [u for u in data["users"] if "approver" in u["roles"] and u["username"] != "admin"]
    for u in approvers:
        assert u["department"] is not None, f"approver {u['username']} has no department"
        if u["username"].startswith("approver_"):
            assert u["username"] == f"approver_{u['department']}", u["username"]
    assert len({u["department"] for u in approvers}) >= 4, "approvers for at least 4 departments"


def test_every_service_department_has_an_approver(data):
    approver_depts = {u["department"] for u in data["users"] if "approver" in u["roles"] and u["department"]}
    missing = {s["department"] for s in data["services"]} - approver_depts
    assert not missing, f"departments with items but no approver: {missing}"


def test_file_is_canonical_utf8(data):
    raw = DATA_PATH.read_text(encoding="utf-8")
    assert raw.rstrip("\n") == json.dumps(data, ensure_ascii=False, indent=2), (
        "xiqu.json must be written with indent=2, ensure_ascii=False"
    )


def _single_items(data) -> list[dict]:
    return [s for s in data["services"] if not s.get("parts")]


def _longest(bundle: dict, items: dict) -> int:
    finish: dict[str, int] = {}

    def end(code: str) -> int:
        if code not in finish:
            waits = bundle.get("depends", {}).get(code, [])
            finish[code] = max(map(end, waits), default=0) + items[code]["promised_days"]
        return finish[code]

    return max(map(end, bundle["parts"]))


def test_bundles(data):
    """Is each 主题式 item (一件事) a bundle of at least two items that can be taken in at a window?"""
    items = {s["code"]: s for s in _single_items(data)}
    bundles = [s for s in data["services"] if s.get("parts")]
    assert len(bundles) >= 5  # 开餐馆, 新生儿出生, 开办企业, 二手房交易登记, 退休
    assert any(bundle.get("depends") for bundle in bundles)
    assert any(bundle.get("questions") for bundle in bundles)
    for bundle in bundles:
        assert bundle["modes"] == ["bundle"], bundle["code"]
        parts = [items[code] for code in bundle["parts"]]
        assert len(parts) >= 2 and len(set(bundle["parts"])) == len(parts), bundle["code"]
        assert all({"once", "citywide", "immediate"} & set(part["modes"]) for part in parts), bundle["code"]
        depends = bundle.get("depends", {})
        assert all(set([code, *waits]) <= set(bundle["parts"]) for code, waits in depends.items())
        for question in bundle.get("questions", []):
            for choice in question["choices"]:
                assert set(choice["adds"] + choice["removes"]) <= set(bundle["parts"]), bundle["code"]
        # The promise is the longest chain of parts, each waiting for those it depends on.
        assert bundle["promised_days"] == _longest(bundle, items), bundle["code"]
        assert bundle["promised_days"] <= bundle["legal_days"], bundle["code"]
        names = {m["name"] for part in parts for m in part["materials"]}
        assert {m["name"] for m in bundle["materials"]} == names, bundle["code"]
