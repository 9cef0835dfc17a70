"""Real concurrent requests against the configured database (SQLite in WAL mode, PostgreSQL).

Each scenario is repeated for several rounds; in a round two threads, each with its own test Client
and so its own database connection, post the same month at the same moment (a Barrier). Whatever
the interleaving: exactly one wins (302), the other is refused with the conflict message (400,
never a 500), and what is stored is the winner's value (no silent overwrite).

    pytest tests/projects/test_concurrency.py -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portfolio pytest tests/projects/test_concurrency.py -s
"""

import re
import sqlite3
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from portfolio.policy import Role
from projects.models import MonthlyReport, Programme, Project
from tests.forms import bulk_read, bulk_url, entry_url, form_fields
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6
YEAR = 2025
CONFLICT_WORDS = ("已由他人先行填报", "已被他人修改")


@dataclass
class Tally:
    scenario: str
    attempts: int = 0
    winners: int = 0
    refusals: int = 0
    overwrites: int = 0
    unexpected: list = field(default_factory=list)

    def line(self) -> str:
        return (f"[{connection.vendor}] {self.scenario}: attempts={self.attempts} winners={self.winners} "
                f"refusals={self.refusals} overwrites={self.overwrites} unexpected={len(self.unexpected)}")


def race(posts):
    """Run the callables at the same moment, each in its own thread (and connection); their results in order."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = posts[i]()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def racing_db(transactional_db, tmp_path):
    """The configured database as production runs it.

    The default SQLite test database lives in memory with a shared cache, where a second writer gets
    "database table is locked" at once instead of waiting: not how the file database in WAL mode
    behaves. For SQLite, the scenario runs on a file copy of the test database (WAL, the settings'
    busy timeout and IMMEDIATE transactions); PostgreSQL and a file test database run as they are.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    memory = connection.connection
    path = tmp_path / "race.sqlite3"
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = str(path)  # new connections, in every thread, open the file
    connection.connection = None
    try:
        connection.ensure_connection()
        assert connection.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


@pytest.fixture
def setting(racing_db, department):
    editor = make_user("editor", Role.EDITOR, department)
    editor2 = make_user("editor2", Role.EDITOR, department)
    coordinator = make_user("coordinator", Role.COORDINATOR)
    programme = Programme.objects.create(year=YEAR, level="district", name="2025年区重点项目")
    project = Project.objects.create(programme=programme, code="P-RACE", name="并发项目", lead_department=department,
                                     annual_plan=Decimal("100000"), total_investment=Decimal("500000"))
    clients = []
    for user in (editor, editor2, coordinator):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return project, clients


def judge(tally: Tally, responses, typed: list[str], stored: Decimal | None):
    """Count one round; the stored value must be the winner's."""
    winners = []
    for response, value in zip(responses, typed, strict=True):
        tally.attempts += 1
        if isinstance(response, Exception):
            tally.unexpected.append(repr(response))
        elif response.status_code == 302:
            tally.winners += 1
            winners.append(Decimal(value))
        elif response.status_code == 400 and any(w in response.content.decode() for w in CONFLICT_WORDS):
            tally.refusals += 1
        else:
            alerts = re.findall(r'role="alert">(.*?)</div>', response.content.decode(), re.S)
            tally.unexpected.append(f"{response.status_code}: {alerts or response.content.decode()[:300]}")
    if len(winners) != 1 or stored != winners[0]:
        tally.overwrites += 1
    return winners


def post_entry(client, project, month, page, value):
    data = form_fields(page.content.decode(), "report-form")
    data.update({"completed_month": value, "save": "1"})
    return lambda: client.post(entry_url(project, YEAR, month), data)


def test_two_first_saves_from_the_entry_page(setting):
    project, (editor, _editor2, coordinator) = setting
    tally = Tally("entry first saves")
    for month in range(1, ROUNDS + 1):
        pages = [c.get(entry_url(project, YEAR, month)) for c in (editor, coordinator)]
        assert all(form_fields(p.content.decode(), "report-form")["version"] == "0" for p in pages)
        typed = [str(100 * month), str(100 * month + 1)]
        responses = race([post_entry(c, project, month, p, v) for c, p, v in zip((editor, coordinator), pages, typed,
                                                                                  strict=True)])
        reports = list(MonthlyReport.objects.filter(project=project, year=YEAR, month=month))
        assert len(reports) == 1
        judge(tally, responses, typed, reports[0].completed_month)
        history = MonthlyReport.history.filter(id=reports[0].pk)
        assert history.count() == 1 and history.get().history_type == "+"
    print(tally.line())
    assert not tally.unexpected, tally.unexpected
    assert (tally.winners, tally.refusals, tally.overwrites) == (ROUNDS, ROUNDS, 0)


def test_two_first_saves_from_the_bulk_sheet(setting, department):
    project, (editor, _editor2, coordinator) = setting
    tally = Tally("bulk first saves")
    for month in range(1, ROUNDS + 1):
        urls = [bulk_url(YEAR, month), bulk_url(YEAR, month, department)]
        reads = [bulk_read(c, u) for c, u in zip((editor, coordinator), urls, strict=True)]
        typed = [str(200 * month), str(200 * month + 1)]
        posts = []
        for client, url, (data, rows), value in zip((editor, coordinator), urls, reads, typed, strict=True):
            prefix = rows[project.pk]
            assert data[f"{prefix}-version"] == "0"
            body = {**data, f"{prefix}-completed_month": value, "save": "1"}
            posts.append(lambda client=client, url=url, body=body: client.post(url, body))
        responses = race(posts)
        reports = list(MonthlyReport.objects.filter(project=project, year=YEAR, month=month))
        assert len(reports) == 1
        judge(tally, responses, typed, reports[0].completed_month)
        assert MonthlyReport.history.filter(id=reports[0].pk).count() == 1
    print(tally.line())
    assert not tally.unexpected, tally.unexpected
    assert (tally.winners, tally.refusals, tally.overwrites) == (ROUNDS, ROUNDS, 0)


def test_two_updates_with_the_same_version(setting):
    project, (editor, editor2, _coordinator) = setting
    tally = Tally("updates, same version")
    for month in range(1, ROUNDS + 1):
        assert editor.post(entry_url(project, YEAR, month), {
            "completed_month": "1", "version": "0", "ms-TOTAL_FORMS": "0", "ms-INITIAL_FORMS": "0", "save": "1",
        }).status_code == 302
        report = MonthlyReport.objects.get(project=project, year=YEAR, month=month)
        pages = [c.get(entry_url(project, YEAR, month)) for c in (editor, editor2)]
        assert all(form_fields(p.content.decode(), "report-form")["version"] == str(report.version) for p in pages)
        typed = [str(300 * month), str(300 * month + 1)]
        responses = race([post_entry(c, project, month, p, v) for c, p, v in zip((editor, editor2), pages, typed,
                                                                                  strict=True)])
        stored = MonthlyReport.objects.get(pk=report.pk)
        judge(tally, responses, typed, stored.completed_month)
        assert stored.version == report.version + 1
        assert MonthlyReport.history.filter(id=report.pk).count() == 2  # the creation and one change
    print(tally.line())
    assert not tally.unexpected, tally.unexpected
    assert (tally.winners, tally.refusals, tally.overwrites) == (ROUNDS, ROUNDS, 0)
