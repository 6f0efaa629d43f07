"""Flask extensions, created unbound and wired to the app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy.orm import DeclarativeBase

# A request sent with an Idempotency-Key holds its commit to the end, so the answer is stored in the
# same transaction (queue_server/idempotency.py); the handler's commit() then only flushes.
HOLD_COMMIT = "wuban.hold_commit"
COMMIT_ASKED = "wuban.commit_asked"


class Base(DeclarativeBase):
    """Declarative base of every model."""


class Session(_FlaskSession):
    """db.session: commit() flushes instead while an idempotent request holds its commit."""

    def commit(self) -> None:
        """Commit, or flush and note the request asked to, while HOLD_COMMIT is set."""
        if self.info.get(HOLD_COMMIT):
            self.flush()
            self.info[COMMIT_ASKED] = True
            return
        super().commit()


# Objects stay loaded after a commit: a handler renders what it just committed without reloading it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": Session})
migrate = Migrate()
socketio = SocketIO()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
