"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py -b HOST:PORT wsgi:app``.

WUBAN_WORKER picks the worker: ``eventlet`` (default, as the design asks; gunicorn is pinned below 26,
which removed it) or ``gevent`` (the tested alternative). Under either, psycopg2 is made green with
psycogreen so a query yields instead of blocking every socket of the worker. Flask-SocketIO needs
sticky sessions across workers: run one worker per port behind nginx (see README), or set
WEB_CONCURRENCY for API-only load.
"""

import os

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


def post_fork(server, worker):
    """Make psycopg2 cooperative in the new worker."""
    if worker_class == "eventlet":
        from psycogreen.eventlet import patch_psycopg
    else:
        from psycogreen.gevent import patch_psycopg
    patch_psycopg()
