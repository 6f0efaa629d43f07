"""Transfer slips (流转单): send a case's paper file to another hall, receive it, list a hall's slips."""

from types import SimpleNamespace
from typing import Literal

from flask import Blueprint

from queue_server.accounts.auth import acting_user
from queue_server.accounts.policy import require
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.cases.transfer_answers import OverdueTransferListOut, TransferListOut, TransferOut
from queue_server.cases.transfers import hall_slips, receive_file, send_file, slips_of, watched_overdue_slips
from queue_server.cases.transitions import get_case
from queue_server.queue.halls import get_hall
from queue_server.schemas import parse_body, parse_query
from queue_server.validation import Body, Code, Query

bp = Blueprint("transfers", __name__)


class TransferBody(Body):
    to: Code


class HallTransfersQuery(Query):
    open: bool = True


class OverdueTransfersQuery(Query):
    # children: the hall and every hall below it (三级联动), as the figures' include=children.
    include: Literal["children"] | None = None


@bp.get("/cases/<case_no>/transfers")
@operation(staff=True, answers={200: TransferListOut, 403: Error, 404: Error})
def case_transfers(case_no: str):
    """案卷流转单 A case's transfer slips"""
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    return reply(TransferListOut, SimpleNamespace(items=slips_of(case)))


@bp.post("/cases/<case_no>/transfers")
@operation(staff=True, body=TransferBody, answers={201: TransferOut, 403: Error, 404: Error})
def send_transfer(case_no: str):
    """发出案卷（流转单） Send the paper file to another hall"""
    case = get_case(case_no, for_update=True)
    slip = send_file(case, parse_body(TransferBody).to, acting_user())
    return reply(TransferOut, slip, 201)


@bp.post("/transfers/<int:slip_id>/receive")
@operation(staff=True, answers={200: TransferOut, 403: Error, 404: Error})
def receive_transfer(slip_id: int):
    """签收案卷（流转单） Receive the paper file"""
    return reply(TransferOut, receive_file(slip_id, acting_user()))


@bp.get("/halls/<hall_code>/transfers")
@operation(staff=True, query=HallTransfersQuery, answers={200: TransferListOut, 403: Error, 404: Error})
def hall_transfers(hall_code: str):
    """本大厅的流转单 A hall's transfer slips"""
    found = get_hall(hall_code)
    require(acting_user(), "hall.staff", hall_id=found.id)
    query = parse_query(HallTransfersQuery)
    return reply(TransferListOut, SimpleNamespace(items=hall_slips(found.id, query.open)))


@bp.get("/halls/<hall_code>/transfers/overdue")
@operation(
    staff=True, query=OverdueTransfersQuery, answers={200: OverdueTransferListOut, 403: Error, 404: Error}
)
def overdue_transfers(hall_code: str):
    """流转超时的案卷（可含下级大厅） Files on the road too long"""
    found = get_hall(hall_code)
    query = parse_query(OverdueTransfersQuery)
    report = watched_overdue_slips(found, query.include == "children", acting_user())
    return reply(OverdueTransferListOut, report)
