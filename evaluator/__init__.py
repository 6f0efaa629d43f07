"""The window evaluator (窗口评价器): a small screen facing the citizen, asking 请您评价 after each service.

It also serves ``rate.js``, the rating box the ticket status page and the portal's progress page show
once a ticket is finished or a case delivered.
"""

from flask import Blueprint

bp = Blueprint(
    "evaluator",
    __name__,
    url_prefix="/evaluate",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/evaluator",
)

from evaluator import views  # noqa: E402,F401
