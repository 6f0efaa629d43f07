"""The window evaluator (窗口评价器): a small screen facing the citizen, asking 请您评价 after each service.

It also serves ``rate.js``, the rating box the ticket status page and the portal's progress page show
once a ticket is finished or a case delivered.
"""

from queue_server.screens import screen_blueprint

bp = screen_blueprint(__name__, "/evaluate")

from evaluator import views  # noqa: E402,F401
