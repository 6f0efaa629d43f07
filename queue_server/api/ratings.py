"""好差评: citizens rate a finished ticket or a delivered case; supervisors follow up bad ratings."""

from flask import current_app

from queue_server.auth import acting_user, staff_required
from queue_server.extensions import db, limiter
from queue_server.policy import require
from queue_server.ratings import assign, close, follow_up, get_rectification, list_rectifications, rate, rating_view, rectification_view
from queue_server.schemas import AssignRequest, CloseRequest, FollowUpRequest, RatingRequest, RectificationListQuery, parse_body, parse_query
from queue_server.api import bp


@bp.post("/ratings")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def create_rating():
    req = parse_body(RatingRequest)
    rating = rate(req)
    answer = rating_view(rating)
    db.session.commit()
    return answer, 201


@bp.get("/rectifications")
@staff_required()
def rectifications_list():
    return list_rectifications(parse_query(RectificationListQuery), acting_user())


@bp.get("/rectifications/<int:rectification_id>")
@staff_required()
def show_rectification(rectification_id: int):
    item = get_rectification(rectification_id)
    require(acting_user(), "hall.supervise", hall_id=item.rating.hall_id)
    return rectification_view(item)


@bp.post("/rectifications/<int:rectification_id>/assign")
@staff_required()
def assign_rectification(rectification_id: int):
    item = get_rectification(rectification_id, for_update=True)
    assign(item, parse_body(AssignRequest), acting_user())
    answer = rectification_view(item)
    db.session.commit()
    return answer


@bp.post("/rectifications/<int:rectification_id>/follow-up")
@staff_required()
def follow_up_rectification(rectification_id: int):
    item = get_rectification(rectification_id, for_update=True)
    follow_up(item, parse_body(FollowUpRequest), acting_user())
    answer = rectification_view(item)
    db.session.commit()
    return answer


@bp.post("/rectifications/<int:rectification_id>/close")
@staff_required()
def close_rectification(rectification_id: int):
    item = get_rectification(rectification_id, for_update=True)
    close(item, parse_body(CloseRequest), acting_user())
    answer = rectification_view(item)
    db.session.commit()
    return answer
