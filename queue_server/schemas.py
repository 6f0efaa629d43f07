"""The request schemas' former home, kept for the modules that still import from it.

Bodies, queries and their parsing live in ``queue_server.validation``; each domain's own bodies and
queries in its ``schemas`` module (``queue_server.cases.schemas`` for cases).
"""

from queue_server.cases.schemas import (
    TRIGGER_DATA,
    Applicant,
    CaseListQuery,
    CaseRequest,
    DeliverData,
    Delivery,
    NoData,
    ProgressQuery,
    TransitionRequest,
    id_number_problem,
)
from queue_server.validation import (
    Body,
    Code,
    Name,
    Offset,
    Query,
    mask_phone,
    parse,
    parse_body,
    parse_query,
)

__all__ = [
    "TRIGGER_DATA",
    "Applicant",
    "Body",
    "CaseListQuery",
    "CaseRequest",
    "Code",
    "DeliverData",
    "Delivery",
    "Name",
    "NoData",
    "Offset",
    "ProgressQuery",
    "Query",
    "TransitionRequest",
    "id_number_problem",
    "mask_phone",
    "parse",
    "parse_body",
    "parse_query",
]
