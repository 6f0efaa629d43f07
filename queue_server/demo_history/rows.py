"""What the generators share: a row on its way through its machine, its history rows, made-up citizens."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from queue_server.accounts.models import User

SURNAMES = "陈黄李梁何吴张林刘罗郑冯杨周谢邓苏彭赖钟郭卢麦谭高区余叶"
GIVEN_NAMES = (
    "嘉怡",
    "志明",
    "伟强",
    "慧敏",
    "家豪",
    "婉婷",
    "国华",
    "丽华",
    "俊杰",
    "晓彤",
    "文辉",
    "秀英",
    "子轩",
    "雅琪",
    "建平",
    "振华",
    "美玲",
    "永健",
    "海燕",
    "锦华",
    "少芬",
    "伟文",
    "淑仪",
    "浩然",
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


@dataclass(eq=False)
class Row:
    """A ticket, case or rectification item on its way through its machine (reads like the model)."""

    state: str
    events: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name):  # the machines' callbacks read and set the model's columns
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        if name in ("state", "events", "extra"):
            object.__setattr__(self, name, value)
        else:
            self.extra[name] = value


def step(
    trigger: str,
    before: str | None,
    after: str,
    actor: User | None,
    at: datetime,
    note: str | None,
    data: dict | None = None,
) -> dict:
    """Build a history row of a case (with its data) or of a rectification item (`data` left out there)."""
    return {
        "trigger": trigger,
        "from_state": before,
        "to_state": after,
        "actor_id": id_of(actor),
        "at": at,
        "note": note,
        "data": data,
    }


def id_of(row) -> int | None:
    """Return the row's id, None for no row."""
    return row.id if row is not None else None


def citizen_name(rng: random.Random) -> str:
    """Draw a citizen's name."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def phone(rng: random.Random) -> str:
    """Draw a mobile number."""
    prefix = rng.choice(("138", "139", "135", "137", "150", "158", "186", "189", "199"))
    return f"{prefix}{rng.randrange(10**8):08d}"


def id_number(rng: random.Random) -> str:
    """Draw a resident ID number of 中山 (442000) with a valid check digit (GB 11643)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    body = f"442000{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
