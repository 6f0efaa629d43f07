"""Printing kiosk tickets on an ESC/POS thermal printer (python-escpos), checked on its Dummy printer."""

import pytest
from escpos.printer import Dummy, File, Network

from kiosk.printing import CHINESE_OFF, CHINESE_ON, PrinterSpecError, open_printer, print_ticket

TICKET = {
    "id": 7,
    "hall": "xiqu",
    "number": "A012",
    "queue": "shsd",
    "queue_name": "商事登记",
    "priority": "normal",
    "priority_reason": None,
    "state": "waiting",
    "window_number": None,
    "issued_at": "2026-11-30T09:05:00+08:00",
    "called_at": None,
    "recalls": 0,
    "waiting_ahead": 3,
    "est_wait_s": 900,
}
HALL = "中山市西区行政服务中心"
URL = "https://qh.example.gov.cn/t/7"
GS_CUT = b"\x1dV"  # GS V: cut the paper
GS_RASTER = b"\x1dv0"  # GS v 0: a raster image (the QR code drawn by python-escpos)
GS_QR = b"\x1d(k"  # GS ( k: the printer's own QR code


def printed(ticket=TICKET, **kwargs) -> bytes:
    printer = Dummy()
    print_ticket(printer, ticket, HALL, URL, **kwargs)
    return printer.output


def test_ticket_prints_chinese_text_as_gb18030_in_chinese_mode():
    """Are the number, the queue and 前面还有 sent as GB18030 bytes inside FS & … FS .?"""
    out = printed()
    for text in ("A012", "商事登记", "前面还有 3 人", HALL, "取号时间：2026-11-30 09:05"):
        encoded = text.encode("gb18030")
        assert CHINESE_ON + encoded in out, text
    assert out.count(CHINESE_ON) == out.count(CHINESE_OFF)
    assert "商事登记".encode() not in out  # never UTF-8 on the paper


def test_ticket_has_big_number_qr_code_and_cut():
    """Is the number printed double size, then a QR code of the status page, then a cut?"""
    out = printed()
    number_at = out.index(CHINESE_ON + b"A012")
    assert b"\x1c\x21\x0c" in out[:number_at]  # FS ! double width and height for the number
    assert GS_RASTER in out[number_at:]
    assert GS_CUT in out[out.index(GS_RASTER) :]


def test_native_qr_carries_the_status_url():
    """With the printer drawing the QR code, does it carry the ticket's status address?"""
    out = printed(native_qr=True)
    assert GS_QR in out and URL.encode() in out


def test_priority_ticket_names_the_green_channel():
    ticket = {**TICKET, "priority": "priority", "priority_reason": "老年人"}
    assert "商事登记（绿色通道·老年人）".encode("gb18030") in printed(ticket)


def test_called_ticket_prints_without_people_ahead():
    ticket = {**TICKET, "state": "called", "waiting_ahead": None, "est_wait_s": None, "window_number": 1}
    out = printed(ticket)
    assert "前面还有".encode("gb18030") not in out and GS_CUT in out


@pytest.mark.parametrize(
    ("spec", "kind", "attrs"),
    [
        ("dummy", Dummy, {}),
        ("network:127.0.0.1", Network, {"host": "127.0.0.1", "port": 9100}),
        ("network:localhost:9101", Network, {"host": "localhost", "port": 9101}),
        ("file:/dev/usb/lp0", File, {"devfile": "/dev/usb/lp0"}),
    ],
)
def test_open_printer_reads_the_setting(spec, kind, attrs):
    """Does each KIOSK_PRINTER form name its printer (without connecting yet)?"""
    printer = open_printer(spec)
    assert isinstance(printer, kind)
    for name, value in attrs.items():
        assert getattr(printer, name) == value


@pytest.mark.parametrize("spec", ["", "serial", "network:", "usb:zz:01", "network:host:port", "lp0"])
def test_open_printer_refuses_malformed_settings(spec):
    with pytest.raises(PrinterSpecError):
        open_printer(spec)


# ---- the kiosk's print endpoint --------------------------------------------------------------


def print_path(ticket: dict) -> str:
    """The kiosk's print address of a ticket, with the rating token of its issuing answer."""
    return f"/kiosk/xiqu/tickets/{ticket['id']}/print?k={ticket['rating_token']}"


def test_print_endpoint_without_printer_is_a_conflict(app, api, client):
    """Without KIOSK_PRINTER, is printing refused with the contract's error body?"""
    ticket = api.take("shsd")
    answer = client.post(print_path(ticket), headers={"Accept": "text/html"})
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert (
        error["code"] == "conflict" and error["message"] and error["details"] == {"printer": "not_configured"}
    )


def test_print_endpoint_prints_on_the_configured_printer(app, api, client, monkeypatch):
    """With a printer set, is the ticket printed with its status address in the QR code?"""
    app.config["KIOSK_PRINTER"] = "dummy"
    app.config["KIOSK_PRINTER_NATIVE_QR"] = True
    printers = []

    def fake_open(spec, profile=None, timeout=5):
        printers.append(Dummy())
        return printers[-1]

    monkeypatch.setattr("kiosk.views.open_printer", fake_open)
    ticket = api.take("shsd")
    answer = client.post(print_path(ticket))
    assert answer.status_code == 200, answer.get_json()
    out = printers[0].output
    assert ticket["number"].encode("gb18030") in out and "商事登记".encode("gb18030") in out
    assert f"/t/{ticket['id']}".encode() in out and GS_CUT in out


def test_print_endpoint_reports_a_broken_printer(app, api, client, monkeypatch):
    app.config["KIOSK_PRINTER"] = "network:127.0.0.1:9"

    class Broken(Dummy):
        def _raw(self, msg):
            raise OSError("no route to printer")

    monkeypatch.setattr("kiosk.views.open_printer", lambda spec, profile=None, timeout=5: Broken())
    ticket = api.take("shsd")
    answer = client.post(print_path(ticket))
    assert answer.status_code == 409
    assert answer.get_json()["error"]["details"] == {"printer": "failed"}


def test_print_endpoint_unknown_ticket_or_other_hall_is_404(app, client):
    app.config["KIOSK_PRINTER"] = "dummy"
    assert client.post("/kiosk/xiqu/tickets/999999/print").status_code == 404
    assert client.post("/kiosk/nohall/tickets/1/print").status_code == 404


def test_qr_svg_encodes_the_status_page(app, api, client):
    ticket = api.take("shsd")
    holder = f"?k={ticket['rating_token']}"
    answer = client.get(f"/t/{ticket['id']}/qr.svg{holder}")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    svg = answer.get_data(as_text=True)
    assert svg.startswith("<svg") and f"http://localhost/t/{ticket['id']}{holder}</title>" in svg
    assert client.get("/t/999999/qr.svg").status_code == 404


def test_printable_page_and_status_page(app, api, client):
    ticket = api.take("shsd", priority="priority", priority_reason="孕妇")
    holder = f"?k={ticket['rating_token']}"
    page = client.get(f"/t/{ticket['id']}/print{holder}").get_data(as_text=True)
    # The page prints itself from its own script (no inline script under the CSP), on 58 mm paper.
    assert ticket["number"] in page and "/static/kiosk/print.js" in page and "/static/kiosk/print.css" in page
    assert "window.print()" in client.get("/static/kiosk/print.js").get_data(as_text=True)
    assert "58mm" in client.get("/static/kiosk/print.css").get_data(as_text=True)
    assert "绿色通道·孕妇" in page and f"/t/{ticket['id']}/qr.svg{holder}" in page
    status = client.get(f"/t/{ticket['id']}")
    assert status.status_code == 200 and ticket["number"] in status.get_data(as_text=True)
    missing = client.get("/t/999999", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "号票不存在" in missing.get_data(as_text=True)
