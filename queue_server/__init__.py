"""wuban: queue and comprehensive-window workflow for government service halls (五办)."""

import logging
from pathlib import Path

from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix

from queue_server.api.spec import AnswerJSONProvider, answer_json
from queue_server.config import Config
from queue_server.db import engine_options, init_database
from queue_server.extensions import db, limiter, login_manager, migrate, socketio

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
log = logging.getLogger(__name__)


class App(Flask):
    """The Flask application: answers are pydantic models, a read is tried again on a cut connection."""

    json_provider_class = AnswerJSONProvider

    def make_response(self, rv):
        """Write a handler's pydantic answer (or list of them) as JSON, then as Flask would."""
        return super().make_response(answer_json(rv))

    def dispatch_request(self):
        """Dispatch; a GET that met a dead connection (the pool now renews them) runs once more."""
        try:
            return super().dispatch_request()
        except DBAPIError as exc:
            if request.method not in ("GET", "HEAD") or not exc.connection_invalidated:
                raise
            log.warning("database connection lost (%s); trying the read once more", type(exc.orig).__name__)
            db.session.rollback()
            return super().dispatch_request()


def create_app(config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, API, errors and commands."""
    app = App(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from queue_server.security import init_secret_key

    init_secret_key(app)  # before anything signs: no public key, none too short in production
    hops = app.config["PROXY_HOPS"]
    if hops:  # the client's address (rate limits, idempotency keys) is the one the proxies saw
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))

    import queue_server.models  # noqa: F401  (every domain's tables, for the mappers and Alembic)

    db.init_app(app)
    init_database(app)  # SQLite: one writer per process, queued cooperatively
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    login_manager.init_app(app)
    limiter.init_app(app)
    # Import the handlers before init_app: @socketio.on then records them on the extension and every
    # app's server gets them (imported after init_app, they land on the first app's server only).
    # Register the Flask-Login loaders and the Socket.IO handlers.
    from queue_server.accounts import auth  # noqa: F401
    from queue_server.realtime import handlers  # noqa: F401
    from queue_server.realtime.seq import resync_after_outage
    from queue_server.redis_client import socketio_manager

    # client_manager is always passed: Flask-SocketIO keeps init_app's options, so an earlier app's
    # Redis manager would otherwise stay on every later app of the process (tests build many).
    socketio.init_app(
        app,
        cors_allowed_origins=[],
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        client_manager=socketio_manager(redis_url, resync_after_outage) if redis_url else None,
    )
    from queue_server.api import make_api_blueprint
    from queue_server.cli import register_commands
    from queue_server.errors import register_error_handlers
    from queue_server.notify.sms import make_notifier
    from queue_server.realtime.events import send_after_response
    from queue_server.validation import register_input_checks
    from queue_server.web import bp as web_bp

    domains = api_blueprints()
    api_bp = make_api_blueprint(domains)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    from queue_server.security import init_security

    init_security(
        app, [api_bp, *domains]
    )  # CSRF on forms (the bearer-token API exempt), security headers on every answer
    register_screens(app)
    register_error_handlers(app)
    register_input_checks(app)  # control characters and impossible ids: 400/404 before any handler
    register_commands(app)
    make_notifier(app)  # a wrong NOTIFIER setting fails at start, not at the first message

    @app.after_request
    def _send_events(response):
        # events and SMS go out after the answer, in order (queue_server/realtime/events.py)
        send_after_response()
        return response

    @app.get("/healthz")
    def healthz():
        from queue_server.redis_client import redis_status

        try:
            db.session.execute(text("SELECT 1"))
            database = "ok"
        except Exception:
            database = "down"
            try:
                db.session.rollback()
            except DBAPIError:
                pass
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "redis": redis_status(),
        }
        return body, 200 if database == "ok" else 503

    return app


def api_blueprints() -> list:
    """Return the blueprint of every domain's API routes, nested under /api/v1 by make_api_blueprint."""
    from queue_server.accounts.routes import bp as accounts
    from queue_server.admin.photo_routes import bp as staff_photos
    from queue_server.admin.routes import bp as admin
    from queue_server.api.labels import bp as labels
    from queue_server.api.openapi import bp as openapi
    from queue_server.calendar.routes import bp as calendar
    from queue_server.cases.agent_routes import bp as agents
    from queue_server.cases.routes import bp as cases
    from queue_server.cases.transfer_routes import bp as transfers
    from queue_server.citizen.bundle_routes import bp as bundles
    from queue_server.citizen.consultation_routes import bp as consultations
    from queue_server.citizen.routes import bp as citizen
    from queue_server.queue.routes import bp as queue
    from queue_server.supervision.routes import bp as supervision

    return [
        accounts,
        queue,
        cases,
        transfers,
        agents,
        citizen,
        bundles,
        consultations,
        supervision,
        calendar,
        admin,
        staff_photos,
        labels,
        openapi,
    ]


# The screens, each its own package, linked from the index page by (endpoint, label).
SCREEN_LINKS = [
    ("display_board.board", "叫号大屏 Display board"),
    ("kiosk.kiosk", "自助取号机 Kiosk"),
    ("window_client.choose_window", "窗口工作台 Clerk screen"),
    ("backoffice.index", "后台审批 Back office"),
    ("portal.home", "办事指南与网上办 Citizen portal"),
    ("portal.book", "预约取号 Appointments"),
    ("evaluator.choose_window", "窗口评价器 Window evaluator"),
    ("reports.index", "督查报表与差评整改 Reports"),
    ("supervisor.index", "监督中心 Supervisor screen"),
    ("consult.index", "在线咨询答复 Consultations"),
    ("portal.publicity", "办结公示 Public record"),
    ("admin_console.index", "管理后台 Administration"),
    ("agent_screen.index", "代办工作台 Agent screen"),
]


def register_screens(app: Flask) -> None:
    """Mount the screen blueprints and make the index list them."""
    from backoffice import bp as backoffice_bp
    from display_board import bp as board_bp
    from kiosk import bp as kiosk_bp
    from portal import bp as portal_bp
    from window_client import bp as window_bp

    for blueprint in (board_bp, kiosk_bp, window_bp, backoffice_bp, portal_bp):
        app.register_blueprint(blueprint)
    from evaluator import bp as evaluator_bp  # 好差评 and reports: docs/ratings.md
    from reports import bp as reports_bp

    app.register_blueprint(evaluator_bp)
    app.register_blueprint(reports_bp)
    from supervisor import bp as supervisor_bp  # the live supervisor screen: docs/scheduler.md

    app.register_blueprint(supervisor_bp)
    from admin_console import bp as admin_console_bp  # halls, windows, staff, audit: docs/admin.md

    app.register_blueprint(admin_console_bp)
    from consult import bp as consult_bp  # 在线咨询: the consultants' screen (docs/consultations.md)

    app.register_blueprint(consult_bp)
    from agent_screen import bp as agent_screen_bp  # 代理办 and 上门办理: docs/agents.md

    app.register_blueprint(agent_screen_bp)
    login_manager.login_view = "web.login"
    login_manager.login_message = "请先登录"
    app.jinja_env.globals["screen_links"] = SCREEN_LINKS
