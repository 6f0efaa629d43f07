"""The rectification page: assigning says why a name is refused, forgets an old error once an action
succeeds, and offers the people the items name instead of asking for a username typed from memory."""

import re

from playwright.sync_api import expect

from tests.screens.test_rating_screens import open_window, serve

TIMEOUT = 8000


def bad_rating(live_server, window: int, clerk: str) -> dict:
    token, window_id = open_window(live_server, window, clerk)
    ticket = serve(live_server, token, window_id)
    status, rating = live_server.call(
        "POST",
        "/api/v1/ratings",
        {"ticket_id": ticket["id"], "token": ticket["rating_token"], "grade": 1, "comment": "【服务态度差】"},
    )
    assert status == 201, rating
    return ticket


def test_assign_tells_why_and_offers_the_people(page, live_server):
    first = bad_rating(live_server, 1, "clerk1")
    second = bad_rating(live_server, 2, "clerk2")
    page.goto(f"{live_server.url}/reports/rectifications")
    page.fill("input[name=username]", "supervisor1")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/reports/rectifications")

    item = page.locator("#r-items > li").filter(has_text=first["number"])
    assign = item.locator('form[data-trigger="assign"]')
    expect(assign.locator("input")).to_have_value("clerk1", timeout=TIMEOUT)  # the rated clerk, proposed
    offered = page.eval_on_selector_all("#r-people option", "options => options.map(o => [o.value, o.label])")
    assert ["clerk1", "陈嘉欣（clerk1）"] in offered and ["clerk2", "黄志强（clerk2）"] in offered

    assign.locator("input").fill("nobody")
    with page.expect_response(re.compile(r"/rectifications/\d+/assign$")) as answer:
        assign.locator("button").click()
    assert answer.value.status == 400
    expect(assign.locator(".r-act-error")).to_have_text("不是本大厅的工作人员：nobody")

    assign.locator("input").fill("黄志强")  # a name is taken for its username
    with page.expect_response(re.compile(r"/rectifications/\d+/assign$")) as answer:
        assign.locator("button").click()
    assert answer.value.status == 200
    assert answer.value.request.post_data_json == {"assignee": "clerk2"}
    item = page.locator("#r-items > li").filter(has_text=first["number"])
    expect(item).to_contain_text("责任人 黄志强")
    expect(page.locator(".r-act-error:visible")).to_have_count(0)
    expect(page.locator("#r-error")).to_be_hidden()
    other = page.locator("#r-items > li").filter(has_text=second["number"])
    expect(other.locator('form[data-trigger="assign"] input')).to_have_value("clerk2")
