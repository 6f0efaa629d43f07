"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py -b HOST:PORT wsgi:app``.

WUBAN_WORKER picks the worker: ``eventlet`` (default, as the design asks; gunicorn is pinned below 26,
which removed it) or ``gevent`` (the tested alternative). Under either, psycopg2 is made green with
psycogreen so a query yields instead of blocking every socket of the worker. Flask-SocketIO needs
sticky sessions across workers: run one worker per port behind nginx (see README), or set
WEB_CONCURRENCY for API-only load.

Without REDIS_URL the worker also runs the scheduler's timers (post_worker_init), so its alerts and
closing-time changes reach the screens at once; with Redis the scheduler runs beside (flask scheduler run).
"""

import logging
import os
import warnings

worker_class = os.environ.get("WUBAN_WORKER", "eventlet")
if worker_class not in ("eventlet", "gevent"):
    raise SystemExit(f"WUBAN_WORKER must be eventlet or gevent, not {worker_class!r}")
os.environ["WUBAN_ASYNC_MODE"] = worker_class  # read by queue_server.config in each worker

workers = int(os.environ.get("WEB_CONCURRENCY", 1))
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", 1000))
bind = os.environ.get("BIND", "127.0.0.1:8000")
timeout = 60
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG")  # unset: no access log (it costs time under load)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# No gunicornc control socket: nothing uses it, under eventlet its asyncio server fails at start, and
# every gunicorn of a host would share its default path.
control_socket_disable = True

# The eventlet worker is deprecated upstream; this project pins gunicorn below 26 on purpose (README,
# DESIGN.md) and keeps gevent as the tested alternative, so the notice is not repeated at every start.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


class _KnownNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "eventlet worker is DEPRECATED" not in record.getMessage()


def on_starting(server):
    """Leave out the notice the eventlet worker logs at each boot (see the warning filter above)."""
    logging.getLogger("gunicorn.error").addFilter(_KnownNotices())


def post_fork(server, worker):
    """Make psycopg2 cooperative in the new worker."""
    if worker_class == "eventlet":
        from psycogreen.eventlet import patch_psycopg
    else:
        from psycogreen.gevent import patch_psycopg
    patch_psycopg()


def post_worker_init(worker):
    """Run the scheduler's timers in this worker when there is no message queue (docs/scheduler.md)."""
    from queue_server import scheduler

    scheduler.start_in_server(worker.wsgi, workers=workers)


def worker_exit(server, worker):
    """Stop the timers this worker runs, if any, and let their messages go out."""
    from queue_server import scheduler

    scheduler.stop_in_server()
