"""Operator commands: ``flask --app wsgi demo load [--history]``, ``flask --app wsgi calendar load FILE`` …"""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from queue_server.calendar.workdays import load_overrides
from queue_server.db import begin_write
from queue_server.demo import load_demo
from queue_server.demo_history import load_history
from queue_server.extensions import db

demo_cli = AppGroup("demo", help="演示数据 Demo data.")
calendar_cli = AppGroup("calendar", help="工作日日历 Working-day calendar.")
appointments_cli = AppGroup("appointments", help="预约 Appointments.")


@demo_cli.command("load")
@click.option(
    "--history/--no-history",
    default=False,
    envvar="DEMO_HISTORY",
    help="Add a past month of tickets, cases and ratings (env DEMO_HISTORY=1); idempotent.",
)
def demo_load(history: bool) -> None:
    """Load the demo hall xiqu (does nothing if it is already there), with --history its past month."""
    created = load_demo()
    db.session.commit()
    click.echo(
        "已加载演示大厅 xiqu（中山市西区行政服务中心）" if created else "演示大厅 xiqu 已存在，未做改动"
    )
    if not history:
        return
    begin_write()
    added = load_history()
    db.session.commit()
    if added.days:
        click.echo(
            f"已加入 {added.days} 个工作日的历史数据：号票 {added.tickets} 张、办件 {added.cases} 件、"
            f"评价 {added.ratings} 条（差评整改 {added.rectifications} 项）"
        )
    else:
        click.echo("历史数据已齐全，未做改动")


@calendar_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_load(path: Path) -> None:
    """Load calendar overrides from a JSON file (see docs/calendar.md)."""
    try:
        days, years = load_overrides(path)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"已载入 {days} 天的日历调整；已确认年份：{', '.join(map(str, years)) or '无'}")


@appointments_cli.command("open")
def appointments_open() -> None:
    """Create every queue's slots for the bookable days (idempotent; lookups also create them)."""
    from queue_server.citizen.appointments import open_bookable_days
    from queue_server.db import begin_write

    begin_write()
    added = open_bookable_days()
    db.session.commit()
    click.echo(f"已生成 {added} 个预约时段")


def register_commands(app: Flask) -> None:
    """Add the operator commands to the flask CLI."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(appointments_cli)

    from queue_server.scheduler import scheduler_cli  # flask --app wsgi scheduler run [--once] [--interval S]

    app.cli.add_command(scheduler_cli)

    from queue_server.backup import (
        backup_cli,  # flask --app wsgi backup create [--to PATH] | restore PATH [--force]
    )

    app.cli.add_command(backup_cli)
