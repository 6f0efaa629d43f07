"""The demo hall's past month (queue_server/demo_history/): figures, charts and reports show it at once."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case, CaseCounter, CaseEvent, CaseHandover, CasePause
from queue_server.demo_history import load_history
from queue_server.extensions import db
from queue_server.queue.models import Ticket, TicketCounter, TicketEvent
from queue_server.supervision.models import Rating, Rectification, RectificationEvent
from tests.conftest import web_login
from workflows import case as case_flow
from workflows import rectification as rect_flow
from workflows import ticket as ticket_flow

# The tests' frozen clock stands at Monday 2026-11-30 (10:30 here): the month before it.
MONTH = {"from": "2026-10-31", "to": "2026-11-29"}
TABLES = (
    Ticket,
    TicketEvent,
    TicketCounter,
    Case,
    CaseEvent,
    CasePause,
    CaseHandover,
    CaseCounter,
    Rating,
    Rectification,
    RectificationEvent,
)


@pytest.fixture
def history(app, advance):
    """The demo hall with its past month loaded, at 10:30 so that today has finished tickets too."""
    advance(90)
    with app.app_context():
        summary = load_history()
        db.session.commit()
    return summary


def test_figures_charts_staffing_and_report_show_the_month(history, api, client):
    """Do the stats, the supervisor's charts, the staffing what-if and the monthly report show the month?"""
    _check_figures(api)
    _check_staffing(api)
    _check_charts_and_report(api, client)


def test_history_is_consistent_and_leaves_today_free(history, app):
    """Is the month on the calendar, in hours, moved by the machines, with no open ticket today?"""
    _check_calendar_and_hours(app)
    _check_today_is_free(app)
    _check_machines(app)


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES
    }


def _stats(api, **query) -> dict:
    answer = api.get("/halls/xiqu/stats", as_user="supervisor1", query_string={**MONTH, **query})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _check_figures(api) -> None:
    """The past month's figures show tickets, no-shows, cases of every mode and some bad ratings."""
    figures = _stats(api)
    tickets = figures["tickets"]
    assert tickets["issued"] > 1000 and tickets["served"] > 0.9 * tickets["issued"]
    assert 0 < tickets["no_show"] < 0.1 * tickets["issued"]
    assert 60 < tickets["avg_wait_s"] < 3600 and 120 < tickets["avg_service_s"] < 1800
    by_mode = figures["cases"]["by_mode"]
    assert all(by_mode[mode] > 0 for mode in case_flow.MODES), by_mode
    assert figures["cases"]["decided"] > 0 and 0.6 < figures["cases"]["on_time_rate"] < 1
    ratings = figures["ratings"]
    assert ratings["count"] > 300 and 0 < ratings["bad"] < 0.1 * ratings["count"]
    assert 4 < ratings["average"] < 5
    groups = _stats(api, group_by="mode")["groups"]
    assert {group["key"] for group in groups} >= set(case_flow.MODES)


def _check_calendar_and_hours(app) -> None:
    """Tickets are taken on working days only, in the hall's hours, with a morning and an afternoon peak."""
    with app.app_context():
        calendar = hall_calendar()
        tz = clock.hall_tz()
        rows = db.session.execute(select(Ticket.service_date, Ticket.issued_at)).all()
        assert {day for day, _ in rows} and all(calendar.is_working(day) for day, _ in rows)
        assert not calendar.is_working(date(2026, 11, 28))  # a Saturday: no tickets
        hours = Counter(issued.astimezone(tz).hour for _, issued in rows)
        assert set(hours) <= {8, 9, 10, 11, 14, 15, 16, 17}
        assert hours[9] > hours[11] and hours[15] > hours[17] and hours[9] > hours[15]
        first = min(day for day, _ in rows)
        assert first >= clock.today() - timedelta(days=30)


def _check_today_is_free(app) -> None:
    """Today holds only tickets finished before now, and none waiting, called or being served."""
    with app.app_context():
        now = clock.now()
        open_tickets = db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.state.in_(("waiting", "called", "serving")))
        )
        assert open_tickets == 0
        for ticket in db.session.scalars(select(Ticket).where(Ticket.service_date == clock.today())):
            assert ticket.state in ("done", "no_show", "cancelled")
            assert (ticket.finished_at or ticket.called_at or ticket.issued_at) < now
        assert db.session.scalar(select(func.max(CaseEvent.at))) <= now
        assert db.session.scalar(select(func.max(Rating.created_at))) <= now
        assert db.session.scalar(select(func.max(RectificationEvent.at))) <= now
        counter = db.session.scalar(
            select(func.max(TicketCounter.last_seq)).where(TicketCounter.service_date == clock.today())
        )
        today = db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.service_date == clock.today())
        )
        assert today == 0 or counter >= 1


def _check_machines(app) -> None:
    """Every ticket, case and rectification history replays on its machine to the row's state."""
    with app.app_context():
        events: dict[int, list] = {}
        for event in db.session.scalars(select(TicketEvent).order_by(TicketEvent.id)):
            events.setdefault(event.ticket_id, []).append(event)
        for ticket in db.session.scalars(select(Ticket)):
            _replay(events[ticket.id], "waiting", ticket.state, ticket_flow.allowed_triggers, first="issue")
        events = {}
        for event in db.session.scalars(select(CaseEvent).order_by(CaseEvent.id)):
            events.setdefault(event.case_id, []).append(event)
        modes = Counter()
        for case in db.session.scalars(select(Case)):
            workflow = case_flow.definition(case.mode, case.workflow_version)
            _replay(events[case.id], workflow.initial, case.state, workflow.allowed_triggers, first="create")
            modes[case.mode, case.state] += 1
            if case.state in ("delivered", "closed"):
                assert case.delivered_at is not None
                assert case.completed_on_spot or case.handover.method == case.delivery_method
            if case.accepted_at is None:
                assert case.state in (
                    "draft",
                    "pre_review",
                    "agent_requested",
                    "agent_assigned",
                    "submitted",
                    "awaiting_supplement",
                    "not_accepted",
                    "withdrawn",
                )
        assert len({state for _, state in modes}) >= 12, modes
        events = {}
        for event in db.session.scalars(select(RectificationEvent).order_by(RectificationEvent.id)):
            events.setdefault(event.rectification_id, []).append(event)
        states = Counter()
        for item in db.session.scalars(select(Rectification)):
            _replay(events[item.id], "open", item.state, rect_flow.allowed_triggers, first="open")
            assert item.rating.grade in (1, 2) and item.rating.comment
            states[item.state] += 1
        assert states["closed"] > 0 and states["closed"] < sum(states.values())


def _replay(events: list, initial: str, final: str, allowed, first: str) -> None:
    assert events[0].trigger == first and events[0].from_state is None and events[0].to_state == initial
    state, at = initial, events[0].at
    for event in events[1:]:
        assert event.from_state == state and event.trigger in allowed(state), (event.trigger, state)
        assert event.at >= at
        state, at = event.to_state, event.at
    assert state == final


def _check_staffing(api) -> None:
    """The Erlang C what-if finds arrivals, hour by hour, with the morning busier than noon."""
    answer = api.get("/halls/xiqu/queues/shsd/staffing", as_user="supervisor1")
    assert answer.status_code == 200, answer.get_json()
    staffing = answer.get_json()
    assert staffing["open_days"] >= 10
    hours = {row["hour"]: row for row in staffing["hours"]}
    assert hours[9]["arrivals_per_hour"] > hours[11]["arrivals_per_hour"] > 0
    assert all(row["windows_needed"] >= 1 for row in hours.values())


def _check_charts_and_report(api, client) -> None:
    """The supervisor's charts and the monthly report (its page and the figures it reads) show the month."""
    charts = api.get("/halls/xiqu/monitor", as_user="supervisor1").get_json()["charts"]
    assert sum(mode["count"] for mode in charts["cases_by_mode"]["modes"]) > 0
    assert charts["on_time"]["decided"] > 0
    assert sum(day["count"] for day in charts["ratings_by_day"]) > 0
    assert any(row["issued"] for row in charts["tickets_per_hour"])  # today's first hour, before now
    rectifications = api.get(
        "/rectifications", as_user="supervisor1", query_string={"hall": "xiqu"}
    ).get_json()
    assert rectifications["total"] > 0

    web_login(client, "supervisor1")
    page = client.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200 and "2026-11" in page.get_data(as_text=True)
    november = {"from": "2026-11-01", "to": "2026-11-30"}
    departments = _stats(api, group_by="department", **november)
    assert departments["tickets"]["issued"] > 1000 and departments["cases"]["created"] > 100
    assert len(departments["groups"]) >= 8
    bad = departments["ratings"]["bad"]
    assert bad > 0 and sum(group["ratings"]["bad"] for group in departments["groups"]) == bad
    queues = _stats(api, group_by="queue", **november)
    assert all(group["tickets"]["issued"] > 0 for group in queues["groups"] if group["key"])


def test_loading_twice_adds_nothing(history, app):
    """Does a second load (and the command) leave every table as it was, and the same day look the same?"""
    assert history.days >= 15 and history.tickets > 1000 and history.cases > 100
    assert history.rectifications > 0
    with app.app_context():
        before = _counts()
        numbers = db.session.scalars(select(Case.case_no).order_by(Case.case_no).limit(5)).all()
        again = load_history()
        db.session.commit()
        assert again.days == again.tickets == again.cases == again.ratings == 0
        assert _counts() == before
    result = app.test_cli_runner().invoke(args=["demo", "load", "--history"])
    assert result.exit_code == 0, result.output
    assert "已存在" in result.output and "历史数据已齐全" in result.output
    with app.app_context():
        assert _counts() == before
        for model in (
            RectificationEvent,
            Rectification,
            Rating,
            CaseEvent,
            CasePause,
            CaseHandover,
            Case,
            CaseCounter,
            TicketEvent,
            Ticket,
            TicketCounter,
        ):
            db.session.execute(db.delete(model))
        db.session.commit()
        assert load_history() == history  # drawn from the same seed: the same month
        db.session.commit()
        assert db.session.scalars(select(Case.case_no).order_by(Case.case_no).limit(5)).all() == numbers


def test_command_loads_history_on_request(app, monkeypatch):
    """Does `demo load` add the month with --history or DEMO_HISTORY=1, and nothing without them?"""
    runner = app.test_cli_runner()
    monkeypatch.delenv("DEMO_HISTORY", raising=False)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "历史" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    result = runner.invoke(args=["demo", "load"], env={"DEMO_HISTORY": "1"})
    assert result.exit_code == 0, result.output
    assert "已加入" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) > 1000
        first = db.session.scalar(select(func.min(Ticket.issued_at)))
        assert first > datetime(2026, 10, 30, tzinfo=clock.hall_tz())
