"""The demo's 在线咨询: a few answered questions made public (the guides' 常见问题) and one still open.

Loaded with the demo hall (``demo.load_demo``), once: nothing is added when any question exists.
"""

from datetime import timedelta

from sqlalchemy import select

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.citizen.models import Consultation, ServiceItem
from queue_server.extensions import db

# (item code, asker, question, answer or None for an open question, public)
QUESTIONS = [
    (
        "SCJG-006",
        "陈先生",
        "健康证明还没办下来，可以先申请食品经营许可吗？",
        "可以。健康证明可容缺受理，受理时列明补交期限，发证前补交即可。",
        True,
    ),
    (
        "SCJG-006",
        "林女士",
        "经营场所是租的，需要提供什么证明？",
        "请提供租赁合同及出租方的房产证明复印件；无房产证的，提供村（居）委会出具的场所证明。",
        True,
    ),
    (
        "YJS-001",
        "黄先生",
        "开餐馆要先办营业执照还是食品经营许可？",
        "先办营业执照，食品经营许可以营业执照为前置。选择“我要开餐馆（一件事）”一次提交，系统按先后顺序办理。",
        True,
    ),
    (
        "RSJ-002",
        "周女士",
        "社保卡丢了，补办要多久？",
        "在大厅社保窗口补办即时制卡，当场领取；网上申请的邮寄到家。",
        True,
    ),
    ("GAJ-001", "吴先生", "居住证到期了，在社区能续签吗？", None, False),
]


def load_consultations() -> None:
    """Add the demo's questions unless there are some already."""
    if db.session.scalar(select(Consultation.id).limit(1)) is not None:
        return
    consultant = db.session.scalar(select(User).where(User.username == "consult1"))
    items = {item.code: item for item in db.session.scalars(select(ServiceItem))}
    now = clock.now()
    for n, (code, name, question, answer, public) in enumerate(QUESTIONS):
        item = items.get(code)
        if item is None:
            continue
        asked = now - timedelta(days=len(QUESTIONS) - n, hours=3)
        db.session.add(
            Consultation(
                service_id=item.id,
                name=name,
                phone="13800138000",
                question=question,
                created_at=asked,
                answer=answer,
                public=public,
                answered_at=asked + timedelta(hours=2 + n) if answer else None,
                answered_by_id=consultant.id if answer and consultant else None,
            )
        )
    db.session.flush()
