"""Backup and restore (flask backup create / restore): taken while a live server serves, restored whole."""

import json
import sqlite3
import tarfile
import threading
from contextlib import contextmanager

import requests
from sqlalchemy import create_engine, text

from queue_server import create_app
from queue_server.config import database_url as sqlalchemy_url
from tests.conftest import PDF, POSTGRES_URL, TEST_CONFIG, applicant
from tests.live import LiveServer, empty_postgres

SECRET = "live-test-secret-of-at-least-32-bytes"  # the live server's key: applicants' tokens survive


@contextmanager
def fresh_database(kind: str, tmp_path, label: str):
    """Yield the URL of a new, empty database of this backend; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / (label + '.sqlite3')}"
        return
    with empty_postgres(f"backup_{label}", POSTGRES_URL) as (_admin, _name, url):
        yield url


def cli_app(url: str, uploads):
    """The app an operator's flask command builds for this database and upload folder."""
    return create_app(
        {
            **TEST_CONFIG,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url),
            "UPLOAD_DIR": str(uploads),
        }
    )


def rows(url: str) -> dict:
    """Read what a restore must bring back: tickets, cases and their files."""
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:

            def read(query):
                return {tuple(row) for row in connection.execute(text(query))}

            return {
                "tickets": read("SELECT id, service_date, number, state FROM tickets"),
                "cases": read("SELECT case_no, state, applicant_phone FROM cases"),
                "case_files": read("SELECT id, stored_name, sha256 FROM case_files"),
                "ticket_events": read("SELECT id FROM ticket_events"),
            }
    finally:
        engine.dispose()


class TicketLoad(threading.Thread):
    """Kiosks taking numbers without pause until stopped; keeps every answer."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(daemon=True)
        self.server, self.answers, self.stopping = server, [], threading.Event()
        self.issued = threading.Semaphore(0)

    def run(self) -> None:
        with requests.Session() as http:
            while not self.stopping.is_set():
                answer = http.post(
                    f"{self.server.url}/api/v1/halls/xiqu/tickets", json={"queue": "shsd"}, timeout=30
                )
                self.answers.append((answer.status_code, answer.json()))
                self.issued.release()

    def wait_for(self, count: int) -> None:
        for _ in range(count):
            assert self.issued.acquire(timeout=30), "the server stopped issuing tickets"


def make_hall_data(server: LiveServer) -> dict:
    """Take tickets, open a case at the counter and an online application with an uploaded file."""
    clerk = server.token("clerk1")
    tickets = [server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"}) for _ in range(4)]
    assert {status for status, _ in tickets} == {201}, tickets
    case = server.open_case(clerk)
    status, application = server.call(
        "POST",
        "/api/v1/public/applications",
        {"service": "SCJG-007", "hall": "xiqu", "applicant": applicant("王小明")},
    )
    assert status == 201, application
    headers = {"X-Application-Token": application["token"]}
    upload = requests.post(
        f"{server.url}/api/v1/public/applications/{application['case_no']}/files",
        data={"material": "食品经营许可延续申请书"},
        files={"file": ("scan.pdf", PDF)},
        headers=headers,
        timeout=30,
    )
    assert upload.status_code == 201, upload.text
    return {"case_no": case["case_no"], "application": application, "file_id": upload.json()["file"]["id"]}


def test_backup_taken_while_serving_restores_every_ticket_case_and_file(app, database_url, tmp_path):
    """Does a backup taken while the server issues tickets restore into an empty database with every
    ticket, case and uploaded file, and does restore then refuse the non-empty target without --force?"""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    source, source_uploads, restored_uploads = database_url, tmp_path / "uploads", tmp_path / "restored"
    app.config["UPLOAD_DIR"] = str(source_uploads)
    with fresh_database(kind, tmp_path, "target") as target:
        server = LiveServer(source, extra_env={"UPLOAD_DIR": str(source_uploads), "NOTIFIER": "none"}).start()
        try:
            made = make_hall_data(server)
            load = TicketLoad(server)
            load.start()
            try:
                load.wait_for(3)
                before = rows(source)
                result = app.test_cli_runner().invoke(
                    args=["backup", "create", "--to", str(tmp_path / "backups")]
                )
                assert result.exit_code == 0, result.output
                load.wait_for(3)  # the hall keeps serving after the copy
            finally:
                load.stopping.set()
                load.join(30)
        finally:
            server.stop()
        after = rows(source)
        assert {status for status, _ in load.answers} == {201}, [a for a in load.answers if a[0] != 201][:3]

        archives = list((tmp_path / "backups").glob("wuban-*.tar.gz"))
        assert len(archives) == 1 and archives[0].stat().st_mode & 0o077 == 0
        with tarfile.open(archives[0]) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))
            assert any(name.startswith("uploads/") for name in archive.getnames())
        assert manifest["dialect"] == kind and manifest["uploads"] == 1

        target_app = cli_app(target, restored_uploads)
        result = target_app.test_cli_runner().invoke(args=["backup", "restore", str(archives[0])])
        assert result.exit_code == 0, result.output
        restored = rows(target)

        # Every ticket issued before the copy is there, none that was never issued, and the copy is
        # consistent: as many as the manifest counted at the snapshot. Cases and files are all there.
        assert before["tickets"] <= restored["tickets"] <= after["tickets"]
        assert len(restored["tickets"]) == manifest["counts"]["tickets"] >= 4 + 3
        assert len(restored["ticket_events"]) == manifest["counts"]["ticket_events"]
        assert restored["cases"] == after["cases"] and len(restored["cases"]) == 2  # (runtime data reset)
        assert made["case_no"] in {case_no for case_no, _, _ in restored["cases"]}
        assert restored["case_files"] == after["case_files"] and len(restored["case_files"]) == 1

        # The restored hall serves them: the case to its clerk, the uploaded file to its applicant.
        client = target_app.test_client()
        signed_in = client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "demo"})
        token = signed_in.get_json()["token"]
        answer = client.get(f"/api/v1/cases/{made['case_no']}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.get_json()["case_no"] == made["case_no"]
        application = made["application"]
        answer = client.get(
            f"/api/v1/public/applications/{application['case_no']}/files/{made['file_id']}",
            headers={"X-Application-Token": application["token"]},
        )
        assert answer.status_code == 200 and answer.data == PDF

        # A second restore into the now non-empty target is refused, and changes nothing.
        client.post("/api/v1/halls/xiqu/tickets", json={"queue": "shsd"})
        grown = rows(target)
        result = target_app.test_cli_runner().invoke(args=["backup", "restore", str(archives[0])])
        assert result.exit_code == 1 and "--force" in result.output
        assert rows(target) == grown
        result = target_app.test_cli_runner().invoke(args=["backup", "restore", "--force", str(archives[0])])
        assert result.exit_code == 0, result.output
        assert rows(target) == restored


def test_restore_refuses_a_backup_of_the_other_database_kind(tmp_path):
    """Is a SQLite backup refused by a PostgreSQL target, with nothing written?"""
    with (
        fresh_database("sqlite", tmp_path, "source") as source,
        fresh_database("postgresql", tmp_path, "target") as target,
    ):
        sqlite3.connect(tmp_path / "source.sqlite3").close()  # an existing, empty SQLite database
        result = (
            cli_app(source, tmp_path / "uploads")
            .test_cli_runner()
            .invoke(args=["backup", "create", "--to", str(tmp_path / "hall.tar.gz")])
        )
        assert result.exit_code == 0, result.output
        result = (
            cli_app(target, tmp_path / "restored")
            .test_cli_runner()
            .invoke(args=["backup", "restore", str(tmp_path / "hall.tar.gz")])
        )
        assert result.exit_code == 1 and "sqlite" in result.output
        engine = create_engine(sqlalchemy_url(target))
        try:
            with engine.connect() as connection:
                assert (
                    connection.execute(
                        text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                    ).scalar_one()
                    == 0
                )
        finally:
            engine.dispose()
