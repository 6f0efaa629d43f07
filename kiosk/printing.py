"""Print a ticket on the kiosk's ESC/POS thermal printer (python-escpos).

Most thermal printers sold in China print Chinese in "Chinese mode" (FS &), taking GB18030/GBK
bytes; python-escpos' ``text()`` only knows single-byte code pages, so Chinese text goes out as raw
GB18030 bytes between FS & (enter Chinese mode) and FS . (leave it). Sizes are set for both kinds
of characters: ESC ! (via ``printer.set``) for ASCII and FS ! for Chinese.

The printer is chosen by ``KIOSK_PRINTER``:

- ``network:HOST[:PORT]`` — a LAN printer (raw port, 9100 by default);
- ``usb:VENDOR:PRODUCT`` — USB ids in hex, e.g. ``usb:0416:5011`` (needs pyusb);
- ``file:/dev/usb/lp0`` — a device file;
- ``dummy`` — keeps the bytes in memory (for trying the kiosk without a printer).
"""

from __future__ import annotations

from datetime import datetime

CHINESE_ON = b"\x1c\x26"  # FS &: enter Chinese character mode
CHINESE_OFF = b"\x1c\x2e"  # FS .: leave it
FS_SIZE = b"\x1c\x21"  # FS ! n: Chinese character size (bit 2 double width, bit 3 double height)
LINE_WIDTH = 32  # characters of font A on 58 mm paper (16 Chinese characters)

PRIORITY_LABEL = "绿色通道"


class PrinterSpecError(ValueError):
    """KIOSK_PRINTER names no printer this module can open."""


def open_printer(spec: str, profile: str | None = None, timeout: float = 5):
    """Open the printer a KIOSK_PRINTER value names; raise PrinterSpecError when it is malformed."""
    from escpos import printer as escpos_printer

    kind, _, rest = (spec or "").strip().partition(":")
    kind = kind.lower()
    kwargs = {"profile": profile} if profile else {}
    if kind == "dummy" and not rest:
        return escpos_printer.Dummy(**kwargs)
    if kind == "network" and rest:
        host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
        try:
            port_number = int(port) if port else 9100
        except ValueError:
            raise PrinterSpecError(f"打印机端口有误：{spec}") from None
        return escpos_printer.Network(host or rest, port=port_number, timeout=timeout, **kwargs)
    if kind == "usb" and rest:
        vendor, _, product = rest.partition(":")
        try:
            ids = int(vendor, 16), int(product, 16)
        except ValueError:
            raise PrinterSpecError(f"USB 打印机编号应为十六进制 VENDOR:PRODUCT：{spec}") from None
        return escpos_printer.Usb(*ids, timeout=int(timeout * 1000), **kwargs)
    if kind == "file" and rest:
        return escpos_printer.File(rest, **kwargs)
    raise PrinterSpecError(
        f"无法识别的打印机配置：{spec}（应为 network:HOST[:PORT]、usb:VENDOR:PRODUCT、file:PATH 或 dummy）"
    )


def _text(printer, text: str) -> None:
    """Send a line of text (Chinese or not) as GB18030 bytes in Chinese mode."""
    printer._raw(CHINESE_ON + text.encode("gb18030", errors="replace") + CHINESE_OFF + b"\n")


def _size(printer, double: bool) -> None:
    """Switch double width and height on or off, for ASCII (ESC !) and Chinese (FS !) characters."""
    if double:
        printer.set(double_width=True, double_height=True)
    else:
        printer.set(normal_textsize=True)
    printer._raw(FS_SIZE + (b"\x0c" if double else b"\x00"))


def _issue_time(ticket: dict) -> str:
    raw = ticket.get("issued_at")
    if not raw:
        return ""
    try:
        return datetime.fromisoformat(raw).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(raw)


def ticket_lines(ticket: dict, hall_name: str) -> dict:
    """Word the ticket's lines as they are printed (and shown on the printable page)."""
    queue_line = ticket.get("queue_name") or ticket.get("queue") or ""
    if ticket.get("priority") == "priority":
        reason = ticket.get("priority_reason")
        queue_line += f"（{PRIORITY_LABEL}{'·' + reason if reason else ''}）"
    ahead = ticket.get("waiting_ahead")
    est = ticket.get("est_wait_s")
    return {
        "hall": hall_name,
        "number": ticket["number"],
        "queue": queue_line,
        "ahead": f"前面还有 {ahead} 人" if ahead is not None else "",
        "wait": f"预计等候约 {max(1, round(est / 60))} 分钟" if est else "",
        "issued": f"取号时间：{_issue_time(ticket)}",
    }


def print_ticket(printer, ticket: dict, hall_name: str, status_url: str, *, native_qr: bool = False) -> None:
    """Print one ticket: hall, big number, queue, people ahead, issue time, QR of the status page, cut.

    ``ticket`` is the API's ticket object; ``printer`` any python-escpos printer. ``native_qr`` lets
    the printer draw the QR code itself (GS ( k); by default it is sent as a raster image, which
    every ESC/POS printer understands.
    """
    lines = ticket_lines(ticket, hall_name)
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    _size(printer, False)
    _text(printer, lines["hall"])
    printer.set(bold=False)
    _text(printer, "-" * LINE_WIDTH)
    _text(printer, "您的号码")
    _size(printer, True)
    _text(printer, lines["number"])
    _size(printer, False)
    _text(printer, lines["queue"])
    if lines["ahead"]:
        printer.set(bold=True)
        _text(printer, lines["ahead"])
        printer.set(bold=False)
    if lines["wait"]:
        _text(printer, lines["wait"])
    _text(printer, lines["issued"])
    _text(printer, "-" * LINE_WIDTH)
    _text(printer, "微信扫码，实时查看排队进度")
    printer.qr(status_url, size=6, native=native_qr)
    _text(printer, "请留意大厅叫号，过号请到服务台咨询")
    printer.set(align="left")
    printer.cut()
