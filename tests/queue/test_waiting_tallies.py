"""Waiting counts kept as tallies: right after every move into or out of the line, on both databases.

The queue list, the board and the desk read the count from ``waiting_tallies`` (a few rows per queue
and day), and a ticket just issued reads its place in line there too; each step below compares them
with a count over the tickets themselves. Also: a window holds one ticket at a time.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from queue_server import scheduler
from queue_server.extensions import db
from queue_server.queue.models import Queue, Ticket, WaitingTally
from tests.conftest import assert_error

TZ = ZoneInfo("Asia/Shanghai")


def counted_over_tickets(app) -> dict[str, int]:
    """Count today's waiting tickets of each queue over the tickets (the slow, certain way)."""
    with app.app_context():
        rows = db.session.execute(
            select(Queue.code, func.count())
            .join(Ticket, Ticket.queue_id == Queue.id)
            .where(Ticket.state == "waiting", Ticket.service_date == datetime(2026, 11, 30).date())
            .group_by(Queue.code)
        ).all()
        db.session.remove()
    return dict(rows)


def tallied(app) -> dict[str, int]:
    """Sum the tally rows of today per queue, leaving out queues at zero."""
    with app.app_context():
        rows = db.session.execute(
            select(Queue.code, func.sum(WaitingTally.waiting))
            .join(WaitingTally, WaitingTally.queue_id == Queue.id)
            .where(WaitingTally.service_date == datetime(2026, 11, 30).date())
            .group_by(Queue.code)
        ).all()
        db.session.remove()
    return {code: int(total) for code, total in rows if total}


def check_counts(app, api) -> dict[str, int]:
    """Check the tallies, the queue list, the board and the desk all agree with a count over the tickets."""
    expected = counted_over_tickets(app)
    assert tallied(app) == expected
    listed = {queue["code"]: queue["waiting"] for queue in api.get("/halls/xiqu/queues").get_json()}
    assert {code: n for code, n in listed.items() if n} == expected
    board = {queue["code"]: queue["waiting"] for queue in api.get("/halls/xiqu/board").get_json()["queues"]}
    assert {code: n for code, n in board.items() if n} == expected
    return expected


def test_counts_follow_every_move_into_and_out_of_the_line(app, api, advance):
    """After issue, call, no-show, requeue, transfer, cancel and expiry, do the tallies match the tickets?"""
    first, second = api.take("shsd"), api.take("shsd")
    urgent = api.take("shsd", priority="priority", priority_reason="老年人")
    social = api.take("shsw")
    assert check_counts(app, api) == {"shsd": 3, "shsw": 1}

    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()["id"] == urgent["id"]
    assert check_counts(app, api) == {"shsd": 2, "shsw": 1}
    api.post(f"/tickets/{urgent['id']}/no_show", as_user="clerk1")
    assert check_counts(app, api) == {"shsd": 2, "shsw": 1}
    api.post(f"/tickets/{urgent['id']}/requeue", as_user="clerk1")  # back in line (priority lane)
    assert check_counts(app, api) == {"shsd": 3, "shsw": 1}

    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()["id"] == urgent["id"]
    api.post(f"/tickets/{urgent['id']}/start", as_user="clerk1")
    api.post(f"/tickets/{urgent['id']}/transfer", json={"queue": "shsw"}, as_user="clerk1")
    assert check_counts(app, api) == {"shsd": 2, "shsw": 2}
    desk = api.get(f"/windows/{window}/desk", as_user="clerk1").get_json()
    assert desk["queues"] == [{"code": "shsd", "name": "商事登记", "waiting": 2}] and desk["held"] == []

    api.post(f"/tickets/{second['id']}/cancel", as_user="clerk1")
    assert check_counts(app, api) == {"shsd": 1, "shsw": 2}
    api.post(f"/tickets/{social['id']}/cancel", as_user="clerk1")
    assert check_counts(app, api) == {"shsd": 1, "shsw": 1}

    with app.app_context():
        # The demo hall issues around the clock: its day's open tickets expire at midnight.
        assert scheduler.expire_open_tickets(datetime(2026, 12, 1, 0, 0, tzinfo=TZ)) == 2
        db.session.remove()
    assert check_counts(app, api) == {}
    assert api.get(f"/tickets/{first['id']}").get_json()["state"] == "expired"


def test_a_new_ticket_reads_its_place_from_the_tallies(app, api, advance):
    """Does each ticket's place at issue match its place counted over the line afterwards, lanes included?"""
    window = api.open_window(1)
    issued = [api.take("shsd")]
    advance(1)
    issued.append(api.take("shsd"))
    issued.append(api.take("shsd", priority="priority", priority_reason="孕妇"))
    api.post(f"/windows/{window}/call-next", as_user="clerk1")  # takes the priority ticket
    issued.append(api.take("shsd", priority="priority", priority_reason="老年人"))
    issued.append(api.take("shsd"))
    assert [ticket["waiting_ahead"] for ticket in issued] == [0, 1, 0, 0, 3]
    # Counted over the line now: the later priority ticket went ahead of the first two.
    now = [api.get(f"/tickets/{ticket['id']}").get_json()["waiting_ahead"] for ticket in issued]
    assert now == [1, 2, None, 0, 3]


def test_a_window_holds_one_ticket_at_a_time(app, api):
    """Does call-next at a window still holding a ticket answer 409 naming it, and work once it is done?"""
    first, second = api.take("shsd"), api.take("shsd")
    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()["id"] == first["id"]

    details = assert_error(api.post(f"/windows/{window}/call-next", as_user="clerk1"), 409, "conflict")
    held = details.pop("held")
    assert details == {"window": window, "ticket": first["id"], "number": "A001", "state": "called"}
    shown = [(ticket["id"], ticket["number"], ticket["state"], ticket["window_number"]) for ticket in held]
    assert shown == [(first["id"], "A001", "called", 1)]
    api.post(f"/tickets/{first['id']}/start", as_user="clerk1")
    details = assert_error(api.post(f"/windows/{window}/call-next", as_user="clerk1"), 409, "conflict")
    assert details["state"] == "serving"
    held = api.get(f"/windows/{window}/desk", as_user="clerk1").get_json()["held"]
    assert [(ticket["id"], ticket["state"]) for ticket in held] == [(first["id"], "serving")]
    assert api.get(f"/tickets/{second['id']}").get_json()["state"] == "waiting"  # nobody else was called

    api.post(f"/tickets/{first['id']}/finish", as_user="clerk1")
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()["id"] == second["id"]
    assert api.get(f"/windows/{window}/desk", as_user="clerk1").get_json()["held"][0]["id"] == second["id"]
