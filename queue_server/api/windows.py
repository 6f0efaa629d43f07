"""Window clerks: call the next ticket, open, pause and close the window."""


from queue_server.auth import acting_user, staff_required
from queue_server.desk import desk_view
from queue_server.extensions import db
from queue_server.halls import get_window, window_view
from queue_server.schemas import WindowStatusRequest, parse_body
from queue_server.tickets import call_next, set_window_status, ticket_view
from queue_server.api import bp


@bp.post("/windows/<int:window_id>/call-next")
@staff_required()
def call_next_ticket(window_id: int):
    ticket = call_next(window_id, acting_user())
    if ticket is None:
        db.session.commit()
        return "", 204
    answer = ticket_view(ticket)
    db.session.commit()
    return answer


@bp.post("/windows/<int:window_id>/status")
@staff_required()
def change_window_status(window_id: int):
    window = get_window(window_id)
    req = parse_body(WindowStatusRequest)
    set_window_status(window, req.status, acting_user())
    answer = window_view(window)
    db.session.commit()
    return answer


@bp.get("/windows/<int:window_id>/desk")
@staff_required()
def window_desk(window_id: int):
    return desk_view(get_window(window_id), acting_user())
