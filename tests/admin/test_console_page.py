"""The console page (/admin/): administrators and hall admins only, with its token and no cache."""

import json
import re

from tests.admin.conftest import HALL_ADMIN
from tests.conftest import web_login

CONFIG = re.compile(r'<script type="application/json" id="ad-config">(.*?)</script>', re.S)


def _config(page: str) -> dict:
    return json.loads(CONFIG.search(page).group(1))


def test_the_console_asks_for_sign_in_and_refuses_other_roles(app, admin, client):
    """Is a visitor sent to sign in, a clerk refused (403), and the page never cached?"""
    answer = client.get("/admin/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    web_login(client, "clerk1")
    assert client.get("/admin/", headers={"Accept": "text/html"}).status_code == 403


def test_the_console_for_an_admin_and_a_hall_admin(app, admin, client):
    """Does an admin get the page for every hall, and a hall admin the page for its own hall?"""
    web_login(client, "admin")
    page = client.get("/admin/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "管理后台" in text and "全部服务大厅" in text
    assert _config(text)["everywhere"] is True and _config(text)["token"]

    other = app.test_client()
    web_login(other, HALL_ADMIN)
    text = other.get("/admin/").get_data(as_text=True)
    config = _config(text)
    assert config["everywhere"] is False and config["hall"] == "xiqu"
    assert "大厅管理员 · 中山市西区行政服务中心" in text
