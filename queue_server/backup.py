"""Backup and restore of a hall: the database and the uploaded files, in one archive (docs/backup.md).

``flask --app wsgi backup create [--to PATH]`` writes ``wuban-<UTC time>.tar.gz``: a manifest (format,
dialect, Alembic revision, the row count of every table), the database and the files of UPLOAD_DIR.
SQLite is copied through its online backup API (``sqlite3.Connection.backup``) in one step: one read
transaction, so the copy is consistent while the hall keeps serving (WAL: writers are not blocked).
PostgreSQL is dumped by ``pg_dump --format=custom`` on a snapshot exported by a repeatable-read
transaction, the same one that counts the rows. The uploads are added after the database, so every
file a backed-up row names is in the archive (files are written before their row is committed).

``flask --app wsgi backup restore PATH [--force]`` refuses a target database that holds any row, or
an upload folder that holds any file, unless ``--force``; it restores SQLite through the backup API
and PostgreSQL with ``pg_restore --clean --if-exists --single-transaction`` (all or nothing), then
checks every table's row count against the manifest. Stop the hall before restoring.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection

from queue_server.extensions import db
from queue_server.uploads import upload_dir

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
PG_TIMEOUT_S = 3600

backup_cli = AppGroup("backup", help="备份与恢复 Backup and restore (docs/backup.md).")


class BackupError(click.ClickException):
    """A backup or restore that cannot be done, with the reason for the operator."""


def row_counts(connection: Connection) -> dict[str, int]:
    """Return the number of rows of every table but Alembic's."""
    quote = connection.dialect.identifier_preparer.quote
    names = sorted(name for name in inspect(connection).get_table_names() if name != "alembic_version")
    return {
        name: connection.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one() for name in names
    }


def schema_revision(connection: Connection) -> str | None:
    """Return the database's Alembic revision, or None without one."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_MEMBER:
        raise BackupError(f"不支持备份此类数据库：{name}（只支持 SQLite 与 PostgreSQL）")
    return name


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or "mode=memory" in str(db.engine.url):
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复")
    return Path(database)


def _pg_command(url: URL) -> tuple[str, dict]:
    """Return the libpq address of the database (without its password) and the environment with it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S)
    except FileNotFoundError:
        raise BackupError(
            f"找不到 {args[0]}：请安装 PostgreSQL 客户端（apt-get install postgresql-client），"
            "其主版本不低于服务器"
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


def _backup_sqlite(copy: Path) -> tuple[dict, str | None]:
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"SQLite 数据库文件不存在：{source_path}")
    source, target = sqlite3.connect(source_path), sqlite3.connect(copy)
    try:
        source.backup(target)  # pages=-1: the whole database in one step, one read transaction
        names = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite~_%' ESCAPE '~' "
                "AND name != 'alembic_version' ORDER BY name"
            )
        ]
        counts = {name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
        has_revision = target.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        revision = has_revision and target.execute("SELECT version_num FROM alembic_version").fetchone()
        return counts, revision[0] if revision else None
    finally:
        source.close()
        target.close()


def _backup_postgresql(dump: Path) -> tuple[dict, str | None]:
    address, env = _pg_command(db.engine.url)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, revision = row_counts(connection), schema_revision(connection)
            # pg_dump reads the very snapshot the counts were made on (kept while this transaction is open).
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(dump),
                    "--dbname",
                    address,
                ],
                env,
            )
    return counts, revision


def _destination(to: Path | None) -> Path:
    """Return the archive's path: TO if it names a .tar.gz file, else a new timestamped file in the
    folder TO (default instance/backups)."""
    if to is not None and to.name.endswith(".tar.gz") and not to.is_dir():
        path = to
    else:
        folder = to if to is not None else Path(current_app.instance_path) / "backups"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path, serial = folder / f"wuban-{stamp}.tar.gz", 1
        while path.exists():
            serial += 1
            path = folder / f"wuban-{stamp}-{serial}.tar.gz"
    if path.exists():
        raise BackupError(f"文件已存在，不会覆盖：{path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _upload_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else []


def create_backup(to: Path | None = None) -> tuple[Path, dict]:
    """Write the database and the uploads into a new archive; return its path and manifest."""
    dialect = _dialect()
    path = _destination(to)
    member = DATABASE_MEMBER[dialect]
    with tempfile.TemporaryDirectory(prefix=".wuban-backup-", dir=path.parent) as work:
        copy = Path(work) / member
        counts, revision = (_backup_sqlite if dialect == "sqlite" else _backup_postgresql)(copy)
        uploads = upload_dir()
        files = _upload_files(uploads)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "dialect": dialect,
            "alembic_revision": revision,
            "counts": counts,
            "uploads": len(files),
        }
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(manifest_path, arcname=MANIFEST)
            archive.add(copy, arcname=member)
            for file in files:
                archive.add(file, arcname=f"{UPLOADS}/{file.relative_to(uploads).as_posix()}")
        os.chmod(partial, 0o600)  # personal data and password hashes: for the operator's eyes only
        os.replace(partial, path)  # the archive appears whole or not at all
    return path, manifest


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError):
        raise BackupError("这不是 wuban 的备份文件（缺少 manifest.json）") from None
    if manifest.get("format") != FORMAT or manifest.get("dialect") not in DATABASE_MEMBER:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')!r}，{manifest.get('dialect')!r}")
    return manifest


def _upload_members(archive: tarfile.TarFile) -> list[tuple[tarfile.TarInfo, PurePosixPath]]:
    """Return the archive's upload files with their path inside UPLOAD_DIR; refuse anything else."""
    found = []
    for member in archive.getmembers():
        name = PurePosixPath(member.name)
        if not name.parts or name.parts[0] != UPLOADS or member.isdir():
            continue
        inside = PurePosixPath(*name.parts[1:])
        if not member.isfile() or not inside.parts or name.is_absolute() or ".." in inside.parts:
            raise BackupError(f"备份中有不安全的上传文件条目：{member.name}")
        found.append((member, inside))
    return found


def _restore_sqlite(copy: Path) -> None:
    target_path = _sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(copy), sqlite3.connect(target_path)
    try:
        source.backup(target)  # replaces the target's content in one write transaction
    finally:
        source.close()
        target.close()


def _restore_postgresql(dump: Path) -> None:
    address, env = _pg_command(db.engine.url)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            address,
            str(dump),
        ],
        env,
    )


def restore_backup(path: Path, force: bool = False) -> dict:
    """Restore an archive into the configured database and UPLOAD_DIR; return its manifest."""
    dialect = _dialect()
    with tarfile.open(path, "r:*") as archive:
        manifest = _read_manifest(archive)
        if manifest["dialect"] != dialect:
            raise BackupError(f"备份来自 {manifest['dialect']}，目标数据库是 {dialect}：不能跨库恢复")
        uploads = upload_dir()
        with db.engine.connect() as connection:
            held = {name: count for name, count in row_counts(connection).items() if count}
        files = _upload_files(uploads)
        if (held or files) and not force:
            examples = ", ".join(sorted(held)[:5])
            what = [f"数据库已有数据（{len(held)} 张表有记录，如 {examples}）"] if held else []
            what += [f"上传目录 {uploads} 已有 {len(files)} 个文件"] if files else []
            raise BackupError("目标不是空的：" + "；".join(what) + "。确认要覆盖请加 --force")
        members = _upload_members(archive)
        db.session.remove()
        db.engine.dispose()  # no pooled connection of this process holds the old tables
        with tempfile.TemporaryDirectory(prefix=".wuban-restore-") as work:
            copy = Path(work) / DATABASE_MEMBER[dialect]
            try:
                source = archive.extractfile(DATABASE_MEMBER[dialect])
            except KeyError:
                source = None
            if source is None:
                raise BackupError("备份中缺少数据库文件")
            with source, copy.open("wb") as out:
                shutil.copyfileobj(source, out)
            (_restore_sqlite if dialect == "sqlite" else _restore_postgresql)(copy)
        for member, inside in members:
            target = uploads.joinpath(*inside.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
    db.engine.dispose()
    with db.engine.connect() as connection:
        counts = row_counts(connection)
    differ = {
        name: (want, counts.get(name))
        for name, want in manifest["counts"].items()
        if counts.get(name) != want
    }
    if differ:
        raise BackupError(f"恢复后的行数与备份不符（表: 备份, 现在）：{differ}")
    return manifest


def _summary(manifest: dict) -> str:
    counts = manifest["counts"]
    return (
        f"取号 {counts.get('tickets', 0)} 张，办件 {counts.get('cases', 0)} 件，"
        f"上传文件 {manifest['uploads']} 个，共 {len(counts)} 张表；"
        f"数据库版本 {manifest['alembic_revision']}"
    )


@backup_cli.command("create")
@click.option(
    "--to",
    "to",
    type=click.Path(path_type=Path),
    help="备份文件（*.tar.gz）或目录（默认 instance/backups/，文件名带 UTC 时间）",
)
def backup_create(to: Path | None) -> None:
    """Back up the database and the uploads into one archive (safe while the hall runs)."""
    path, manifest = create_backup(to)
    click.echo(f"已备份到 {path}：{_summary(manifest)}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有数据的数据库和上传目录")
def backup_restore(path: Path, force: bool) -> None:
    """Restore a backup into the configured database and UPLOAD_DIR (stop the hall first)."""
    manifest = restore_backup(path, force)
    click.echo(
        f"已从 {path} 恢复（备份于 {manifest['created_at']}）：{_summary(manifest)}。"
        "如本程序版本更新，请再执行 flask --app wsgi db upgrade"
    )
