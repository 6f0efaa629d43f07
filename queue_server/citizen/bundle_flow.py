"""一张图: the one-page flow of a life event (一件事), laid out from the bundle's definition, drawn as SVG.

``flow_layout`` places the boxes and arrows once: 受理 at the start, each part in the column of its
dependency depth (a part that waits for nothing in the first column, one that waits for it in the next),
统一出件 at the end; arrows follow ``depends``. The SVG here and the PDF guide
(``citizen/bundle_guide.py``) draw the same layout, so the drawing is never made by hand.

A part some answer may add or remove is *optional*; given answers, the parts they leave out are drawn
as *skipped* (本次无需办理), the others as *needed*.
"""

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from queue_server.citizen.bundles import is_bundle, needed_parts, part_items
from queue_server.citizen.items import get_service
from queue_server.errors import InvalidRequest

# Sizes in SVG pixels; the PDF scales the whole layout to its page.
PART_W, PART_H = 224, 96
END_W, END_H = 112, 60
GAP_X, GAP_Y, MARGIN = 56, 20, 16
NAME_SIZE, DETAIL_SIZE = 14, 12
NAME_LINES = 2
FONT_FAMILY = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"

STATUS_NOTES = {"optional": "视情形办理", "skipped": "本次无需办理"}
# Colours of a box by its kind and status: (fill, stroke, text).
COLOURS = {
    "end": ("#1f5fa8", "#1f5fa8", "#ffffff"),
    "needed": ("#eef5fc", "#1f5fa8", "#1f2933"),
    "optional": ("#fffaf0", "#b7791f", "#1f2933"),
    "skipped": ("#f4f5f7", "#9aa5b1", "#7b8794"),
}
ARROW = {"needed": "#1f5fa8", "optional": "#b7791f", "skipped": "#9aa5b1"}


@dataclass(frozen=True)
class FlowBox:
    """A box of the flow: 受理, a part, or 统一出件; ``name`` wrapped into lines, ``details`` below it."""

    key: str
    label: str
    kind: str  # "start" | "part" | "end"
    status: str  # "needed" | "optional" | "skipped"
    name: list[str]
    details: list[str]
    x: float
    y: float
    w: float
    h: float
    column: int


@dataclass(frozen=True)
class FlowArrow:
    """An arrow from one box to another, as a polyline; ``status`` the weaker of its two ends."""

    source: str
    target: str
    points: list[tuple[float, float]]
    status: str


@dataclass(frozen=True)
class FlowLayout:
    """The whole drawing: its size, boxes and arrows, in SVG pixels."""

    code: str
    name: str
    width: float
    height: float
    boxes: list[FlowBox] = field(default_factory=list)
    arrows: list[FlowArrow] = field(default_factory=list)

    def box(self, key: str) -> FlowBox:
        """Return the box of a key (a part's code, ``start`` or ``end``)."""
        return next(box for box in self.boxes if box.key == key)


def parse_answers(text: str | None) -> dict[str, str] | None:
    """Read ``id:value,id:value`` from a query string; None when absent; 400 ``answers`` when malformed."""
    if text is None:
        return None
    answers: dict[str, str] = {}
    for pair in filter(None, (piece.strip() for piece in text.split(","))):
        key, sep, value = pair.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise InvalidRequest({"answers": f"应为“问题:答案”，以逗号分隔：{pair}"})
        answers[key.strip()] = value.strip()
    return answers


def text_width(text: str, size: float) -> float:
    """Estimate a line's width: a CJK character takes the font size, anything else about half of it."""
    return sum(size if ord(char) > 0x2E7F else size * 0.56 for char in text)


def wrap(text: str, width: float, size: float, lines: int) -> list[str]:
    """Break a text into at most ``lines`` lines that fit ``width``; the last one ends in … when cut."""
    out, line = [], ""
    for index, char in enumerate(text):
        if text_width(line + char, size) > width:
            out.append(line)
            line = ""
            if len(out) == lines:
                last = out[-1]
                while last and text_width(last + "…", size) > width:
                    last = last[:-1]
                out[-1] = last + "…"
                return out
        line += char
        if index == len(text) - 1:
            out.append(line)
    return out or [""]


def days_text(days: int) -> str:
    """Write a promised limit as the guide reads it: 即办 or N 个工作日."""
    return "即办" if days == 0 else f"承诺 {days} 个工作日"


def depth_of(depends: dict[str, list[str]], parts: list[str]) -> dict[str, int]:
    """Return each part's column: 0 when it waits for nothing, else one more than what it waits for."""
    depth: dict[str, int] = {}

    def of(code: str) -> int:
        if code not in depth:
            waits = [other for other in depends.get(code, []) if other in parts]
            depth[code] = max((of(other) + 1 for other in waits), default=0)
        return depth[code]

    for code in parts:
        of(code)
    return depth


def flow_layout(code: str, answers: dict | None) -> FlowLayout:
    """Lay out a bundle's flow from its definition: 400 for an item that is not a bundle or a bad answer."""
    bundle = get_service(code)
    if not is_bundle(bundle):
        raise InvalidRequest({"service": f"该事项不是主题式服务（一件事）：{code}"})
    items = part_items(bundle)
    parts = [part for part in bundle.parts if part in items]
    depends = bundle.depends or {}
    optional = {
        part
        for question in bundle.questions or []
        for choice in question["choices"]
        for part in [*choice.get("adds", []), *choice.get("removes", [])]
    }
    if answers is None:
        status = {part: "optional" if part in optional else "needed" for part in parts}
    else:
        needed = set(needed_parts(bundle, answers))
        status = {part: "needed" if part in needed else "skipped" for part in parts}

    depth = depth_of(depends, parts)
    columns = max(depth.values(), default=0) + 1
    by_column = [[part for part in parts if depth[part] == column] for column in range(columns)]
    rows = max((len(column) for column in by_column), default=1)
    height = 2 * MARGIN + rows * PART_H + (rows - 1) * GAP_Y
    width = 2 * MARGIN + 2 * END_W + columns * PART_W + (columns + 1) * GAP_X
    middle = height / 2

    boxes = [
        FlowBox(
            "start",
            "综合窗口受理",
            "start",
            "needed",
            ["综合窗口受理"],
            ["一次提交材料"],
            MARGIN,
            middle - END_H / 2,
            END_W,
            END_H,
            0,
        )
    ]
    for column, codes in enumerate(by_column):
        x = MARGIN + END_W + GAP_X + column * (PART_W + GAP_X)
        top = middle - (len(codes) * PART_H + (len(codes) - 1) * GAP_Y) / 2
        for row, part in enumerate(codes):
            item = items[part]
            details = [item.department.name, days_text(item.promised_days)]
            if status[part] in STATUS_NOTES:
                details.append(STATUS_NOTES[status[part]])
            boxes.append(
                FlowBox(
                    part,
                    item.name,
                    "part",
                    status[part],
                    wrap(item.name, PART_W - 16, NAME_SIZE, NAME_LINES),
                    [wrap(line, PART_W - 16, DETAIL_SIZE, 1)[0] for line in details],
                    x,
                    top + row * (PART_H + GAP_Y),
                    PART_W,
                    PART_H,
                    column + 1,
                )
            )
    boxes.append(
        FlowBox(
            "end",
            "统一出件",
            "end",
            "needed",
            ["统一出件"],
            ["窗口领取或邮寄"],
            width - MARGIN - END_W,
            middle - END_H / 2,
            END_W,
            END_H,
            columns + 1,
        )
    )
    layout = FlowLayout(bundle.code, bundle.name, width, height, boxes)

    waited_on = {other for part in parts for other in depends.get(part, []) if other in parts}
    links = [("start", part) for part in parts if depth[part] == 0]
    links += [(other, part) for part in parts for other in depends.get(part, []) if other in parts]
    links += [(part, "end") for part in parts if part not in waited_on]
    for source, target in links:
        a, b = layout.box(source), layout.box(target)
        x1, y1 = a.x + a.w, a.y + a.h / 2
        x2, y2 = b.x, b.y + b.h / 2
        bend = x2 - GAP_X / 2
        points = [(x1, y1), (x2, y2)] if y1 == y2 else [(x1, y1), (bend, y1), (bend, y2), (x2, y2)]
        weaker = (
            "skipped"
            if "skipped" in (a.status, b.status)
            else ("optional" if "optional" in (a.status, b.status) else "needed")
        )
        layout.arrows.append(FlowArrow(source, target, points, weaker))
    return layout


def render_svg(layout: FlowLayout) -> str:
    """Draw a flow layout as a standalone SVG document (presentation attributes only: no style, no script)."""
    title = f"{layout.name} 一张图"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width:g} {layout.height:g}" '
        f'width="{layout.width:g}" height="{layout.height:g}" role="img" aria-labelledby="flow-title" '
        f'class="flow" data-service={quoteattr(layout.code)} font-family={quoteattr(FONT_FAMILY)}>',
        f'<title id="flow-title">{escape(title)}</title>',
        "<defs>",
        *(
            f'<marker id="arrow-{status}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
            "</marker>"
            for status, colour in ARROW.items()
        ),
        "</defs>",
    ]
    for arrow in layout.arrows:
        points = " ".join(f"{x:g},{y:g}" for x, y in arrow.points)
        dash = ' stroke-dasharray="6 4"' if arrow.status != "needed" else ""
        out.append(
            f'<polyline class="flow-arrow" data-from="{arrow.source}" data-to="{arrow.target}" '
            f'points="{points}" fill="none" stroke="{ARROW[arrow.status]}" stroke-width="1.6"{dash} '
            f'marker-end="url(#arrow-{arrow.status})"/>'
        )
    for box in layout.boxes:
        fill, stroke, ink = COLOURS["end" if box.kind != "part" else box.status]
        dash = ' stroke-dasharray="6 4"' if box.status != "needed" else ""
        label = "，".join([box.label, *box.details])
        out.append(
            f'<g class="flow-box" data-kind="{box.kind}" data-code="{escape(box.key)}" '
            f'data-status="{box.status}" aria-label={quoteattr(label)}>'
        )
        out.append(
            f'<rect x="{box.x:g}" y="{box.y:g}" width="{box.w:g}" height="{box.h:g}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.6"{dash}/>'
        )
        lines = [(line, NAME_SIZE, "700") for line in box.name] + [
            (line, DETAIL_SIZE, "400") for line in box.details
        ]
        total = sum(size * 1.35 for _, size, _ in lines)
        y = box.y + (box.h - total) / 2
        for text, size, weight in lines:
            y += size * 1.35
            out.append(
                f'<text x="{box.x + box.w / 2:g}" y="{y - size * 0.3:g}" text-anchor="middle" '
                f'font-size="{size}" font-weight="{weight}" fill="{ink}">{escape(text)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
