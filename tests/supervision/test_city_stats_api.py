"""Roll-up supervision: a hall's figures with the halls below it, and who may watch which hall."""

import csv
import io

import pytest

from tests.conftest import assert_error

PERIOD = "from=2026-11-30&to=2026-11-30"
WEST = ["xiqu", "caihong", "jinse", "changzhou", "longchang", "cuijing"]


@pytest.fixture
def city_tickets(api):
    """Two tickets at 西区, three at 彩虹社区, one at 长洲社区 and one at 东区, all today."""
    for hall, queue, count in (("xiqu", "shsd", 2), ("caihong", "shsw", 3), ("changzhou", "shsw", 1)):
        for _ in range(count):
            answer = api.post(f"/halls/{hall}/tickets", json={"queue": queue})
            assert answer.status_code == 201, answer.get_json()
    assert api.post("/halls/dongqu/tickets", json={"queue": "shsd"}).status_code == 201


def stats(api, hall: str, extra: str = "", as_user: str = "supervisor1"):
    return api.get(f"/halls/{hall}/stats?{PERIOD}{extra}", as_user=as_user)


def test_children_are_summed_with_the_hall(api, city_tickets):
    """Does include=children sum the hall and every hall below it, and nothing of another district?"""
    own = stats(api, "xiqu").get_json()
    assert own["tickets"]["issued"] == 2 and own["include"] is None and own["halls"] == ["xiqu"]
    summed = stats(api, "xiqu", "&include=children").get_json()
    assert summed["tickets"]["issued"] == 6  # 2 + 3 + 1; 东区's ticket is not below 西区
    assert summed["include"] == "children" and summed["hall"] == "xiqu"
    assert sorted(summed["halls"]) == sorted(WEST) and summed["halls"][0] == "xiqu"
    community = stats(api, "caihong", "&include=children").get_json()
    assert community["tickets"]["issued"] == 3 and sorted(community["halls"]) == ["caihong", "jinse"]
    station = stats(api, "jinse", "&include=children").get_json()
    assert station["tickets"]["issued"] == 0 and station["halls"] == ["jinse"]


def test_figures_per_hall(api, city_tickets):
    """Does group_by=hall give one row per hall counted, in the tree's order, empty halls included?"""
    answer = stats(api, "xiqu", "&include=children&group_by=hall").get_json()
    rows = [(group["key"], group["tickets"]["issued"]) for group in answer["groups"]]
    assert rows == [
        ("xiqu", 2),
        ("caihong", 3),
        ("jinse", 0),
        ("changzhou", 1),
        ("longchang", 0),
        ("cuijing", 0),
    ]
    assert answer["groups"][1]["name"] == "中山市西区彩虹社区服务中心"


def test_the_summed_figures_as_a_file(api, city_tickets):
    """Is the summed CSV named for the children and its total row the sum?"""
    answer = stats(api, "xiqu", "&include=children&group_by=hall&format=csv")
    assert answer.status_code == 200
    assert "wuban-stats-xiqu-2026-11-30-2026-11-30-children-hall.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[1][:3] == ["total", "合计", "6"] and [row[0] for row in rows[2:]] == WEST


def test_a_district_supervisor_watches_every_hall_below_it(api):
    """May 西区's supervisor read a community's and a station's figures, monitor and alerts?"""
    for hall in ("caihong", "jinse", "longchang"):
        assert stats(api, hall).status_code == 200
        assert api.get(f"/halls/{hall}/monitor", as_user="supervisor1").status_code == 200
        assert api.get(f"/halls/{hall}/alerts", as_user="supervisor1").status_code == 200


@pytest.mark.parametrize(
    ("user", "hall"),
    [
        ("supervisor_caihong", "xiqu"),  # a community's supervisor: not the district above it
        ("supervisor_caihong", "changzhou"),  # nor a sister community
        ("supervisor_dongqu", "xiqu"),  # another district
        ("supervisor_dongqu", "caihong"),
        ("supervisor1", "dongqu"),
        ("caihong_clerk", "caihong"),  # a clerk watches no figures
    ],
)
def test_nobody_watches_beyond_their_branch(api, user, hall):
    """Are the figures (summed or not) and the monitor 403 outside the user's hall and the halls below it?"""
    assert_error(stats(api, hall, as_user=user), 403, "forbidden")
    assert_error(stats(api, hall, "&include=children", as_user=user), 403, "forbidden")
    assert_error(api.get(f"/halls/{hall}/monitor", as_user=user), 403, "forbidden")


def test_a_community_supervisor_watches_its_own_branch(api):
    """May 彩虹社区's supervisor read its own figures summed with its station's, and the station's?"""
    assert stats(api, "caihong", "&include=children", as_user="supervisor_caihong").status_code == 200
    assert stats(api, "jinse", as_user="supervisor_caihong").status_code == 200
    assert api.get("/halls/jinse/monitor", as_user="supervisor_caihong").status_code == 200


def test_a_bad_include_is_400(api):
    """Is include other than children 400 naming the field?"""
    assert "include" in assert_error(stats(api, "xiqu", "&include=parents"), 400, "invalid_request")["fields"]
