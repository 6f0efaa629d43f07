"""Portal pages for 网上办: home, item list and guides, life events, the application form, my application.

Like the progress page, these pages read nothing from the database: each renders a shell with the
API addresses it needs, and its script talks only to /api/v1. The applicant's access token lives in
the browser (localStorage) and goes out in the X-Application-Token header.
"""

from flask import current_app, url_for

from portal import bp
from queue_server.screens import uncached_page

PLACEHOLDER = "__value__"


def _page(template: str, **config):
    """Render a portal page with its configuration; never cached (it may show someone's application)."""
    page_config = {
        "tz": current_app.config["TZ_NAME"],
        "max_upload_bytes": current_app.config["UPLOAD_MAX_BYTES"],
        "placeholder": PLACEHOLDER,
        "urls": {
            "services": url_for("api.citizen.list_services"),
            "service": url_for("api.citizen.show_service", code=PLACEHOLDER),
            "halls": url_for("api.queue.list_halls"),
            "hall_services": url_for("api.citizen.list_hall_services", hall_code=PLACEHOLDER),
            "applications": url_for("api.citizen.create_application"),
            "access": url_for("api.citizen.application_access"),
            "application": url_for("api.citizen.show_application", case_no=PLACEHOLDER),
            "guide_page": url_for("portal.guide", code=PLACEHOLDER),
            "apply_page": url_for("portal.apply", code=PLACEHOLDER),
            "application_page": url_for("portal.application", case_no=PLACEHOLDER),
            "book_page": url_for("portal.book", hall_code=PLACEHOLDER),
            # 主题式 一件事: the plan, its 一张图 and printable guide, the material samples of a part.
            "event_page": url_for("portal.life_event", code=PLACEHOLDER),
            "plan": url_for("api.bundles.bundle_plan", code=PLACEHOLDER),
            "flow": url_for("api.bundles.bundle_flow", code=PLACEHOLDER),
            "guide_pdf": url_for("api.bundles.bundle_guide", code=PLACEHOLDER),
        },
        **config,
    }
    return uncached_page(template, page_config=page_config, **config)


@bp.get("/portal/")
def home():
    """The citizen portal's home: item guides, online applications, progress."""
    return _page("portal/home.html")


@bp.get("/portal/services")
def services():
    """The 五办 item list, filtered by mode, department and a search box."""
    return _page("portal/services.html")


@bp.get("/portal/services/<code>")
def guide(code: str):
    """An item's guide (办事指南), with 在线申请 when it can be done online."""
    return _page("portal/guide.html", code=code)


@bp.get("/portal/events/")
def life_events():
    """The life events (主题式 一件事): one entry for several items, taken in once."""
    return _page("portal/events.html")


@bp.get("/portal/events/<code>")
def life_event(code: str):
    """A life event's 智能导办: its questions, then the plan, the 一张图 and what to do next."""
    return _page("portal/event.html", code=code)


@bp.get("/portal/services/<code>/apply")
def apply(code: str):
    """The online application form of an item."""
    return _page("portal/apply.html", code=code)


@bp.get("/portal/applications/<case_no>")
def application(case_no: str):
    """My application: state, notices, supplement upload, delivery choice."""
    return _page("portal/application.html", case_no=case_no)


@bp.get("/portal/applications/")
def find_application():
    """Open an application on this device with its number, phone and ID number."""
    return _page("portal/application.html", case_no=None)
