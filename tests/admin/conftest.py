"""Administration tests: a hall admin of xiqu; the halls, users and departments a test made go after it."""

import pytest

from queue_server.accounts.models import User
from queue_server.citizen.models import ServiceItem, ServiceVersion
from queue_server.citizen.sample_models import MaterialSample
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, HallHours, Queue, Window
from tests.conftest import reset_runtime_data
from tests.screens.conftest import live_server, page  # noqa: F401 (one of each for the directory)

HALL_ADMIN = "t_hall_admin"  # hall admin of xiqu; kept (the audit log names it as an actor)
PREFIX = "t_"  # every hall, department and user a test makes starts with it

WEEK = {str(day): {"open": "08:30", "last_ticket": "16:30", "close": "17:00"} for day in range(1, 6)}
WEEK.update({"6": None, "7": None})


class AdminApi:
    """The JSON API as demo users and the hall admin: any method, the answer's status and body."""

    def __init__(self, api):
        self.api = api

    def __call__(
        self, method: str, path: str, as_user: str | None = "admin", json=None, expect: int | None = None
    ):
        answer = self.api.client.open(
            "/api/v1" + path, method=method, json=json, headers=self.api.headers(as_user)
        )
        if expect is not None:
            assert answer.status_code == expect, answer.get_data(as_text=True)
        return answer

    def upload(self, path: str, form: dict, as_user: str = "admin"):
        """POST a multipart form (a file: a (stream, name) pair) to the API as this user; the answer."""
        return self.api.client.post(
            "/api/v1" + path, data=form, content_type="multipart/form-data", headers=self.api.headers(as_user)
        )

    def token(self, username: str, password: str = "demo") -> str:
        answer = self.api.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["token"]

    def hall(self, code: str, **fields) -> dict:
        body = {"code": code, "name": f"测试大厅 {code}", "hours": None, **fields}
        return self("POST", "/admin/halls", json=body, expect=201).get_json()

    def audit(self, as_user: str = "admin", **query) -> dict:
        text = "&".join(f"{key}={value}" for key, value in query.items())
        return self("GET", f"/admin/audit?{text}", as_user=as_user, expect=200).get_json()


def remove_test_objects() -> None:
    """Delete every hall, department and user the tests made (the audit log keeps their story)."""
    reset_runtime_data()
    halls = db.session.scalars(db.select(Hall.id).where(Hall.code.like("t\\_%", escape="\\"))).all()
    db.session.execute(
        db.delete(User).where(User.username.like("t\\_%", escape="\\"), User.username != HALL_ADMIN)
    )
    if halls:
        windows = db.session.scalars(db.select(Window).where(Window.hall_id.in_(halls))).all()
        for window in windows:
            db.session.delete(window)
        db.session.flush()
        db.session.execute(db.delete(Queue).where(Queue.hall_id.in_(halls)))
        db.session.execute(db.delete(HallHours).where(HallHours.hall_id.in_(halls)))
        db.session.execute(db.update(Hall).where(Hall.id.in_(halls)).values(parent_id=None))
        db.session.execute(db.delete(Hall).where(Hall.id.in_(halls)))
    xiqu = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu"))
    for queue in db.session.scalars(
        db.select(Queue).where(Queue.hall_id == xiqu.id, Queue.code.like("t\\_%", escape="\\"))
    ):
        db.session.delete(queue)
    db.session.execute(db.delete(Department).where(Department.code.like("t\\_%", escape="\\")))
    db.session.commit()


@pytest.fixture
def admin(app, api):
    """The administration API; a hall admin of xiqu exists; what the test made is removed after it."""
    with app.app_context():
        xiqu = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu"))
        user = db.session.scalar(db.select(User).where(User.username == HALL_ADMIN))
        if user is None:
            user = User(username=HALL_ADMIN, name="西区大厅管理员", roles=["hall_admin"], hall=xiqu)
            user.set_password("demo")
            db.session.add(user)
        if (
            user.roles != ["hall_admin"]
            or not user.active
            or user.hall_id != xiqu.id
            or not user.check_password("demo")
        ):
            user.roles, user.active, user.hall = ["hall_admin"], True, xiqu
            user.set_password("demo")
        db.session.commit()
        remove_test_objects()
    yield AdminApi(api)
    with app.app_context():
        remove_test_objects()


def remove_test_items() -> None:
    """Delete the items the tests made (codes T-…), their versions, samples and the cases that name them."""
    reset_runtime_data()
    ids = db.session.scalars(db.select(ServiceItem.id).where(ServiceItem.code.like("T-%"))).all()
    if ids:
        db.session.execute(db.delete(MaterialSample).where(MaterialSample.service_id.in_(ids)))
        db.session.execute(db.delete(ServiceVersion).where(ServiceVersion.service_id.in_(ids)))
        db.session.execute(db.delete(ServiceItem).where(ServiceItem.id.in_(ids)))
    db.session.commit()


@pytest.fixture
def items(app, admin):
    """The administration API for the item list; the test items (T-…) are removed before and after."""
    with app.app_context():
        remove_test_items()
    yield admin
    with app.app_context():
        remove_test_items()
