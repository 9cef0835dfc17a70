"""manage.py backup and restore on the database the tests run on (PostgreSQL or SQLite).

The round trip restores the demo portfolio in a separate process into a new empty database, as an
operator would on a new server, and compares every table row by row with the source. The tests that back
up data commit it (pg_dump, in a session of its own, sees committed rows only); the tests of refused
files share one archive and run in a transaction that is rolled back.
"""

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from portfolio.backups import Retention, backups_to_keep, prune_backups
from projects import remembered
from projects.models import Project
from tests.helpers import analyzed_columns

# pg_dump reads in a session of its own: what it is to see must be committed.
committed = pytest.mark.django_db(transaction=True)

MEDIA = {
    "reports/2025/白云区2025年1—6月重点项目进度报告.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40,
    "imports/project-list.xlsx": b"PK\x03\x04 sheet",
    "top.txt": "顶层文件\n".encode(),
}


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    for name, data in MEDIA.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    settings.MEDIA_ROOT = root
    return root


def table_rows(conn) -> dict[str, list[tuple]]:
    """Every table's rows, all columns, ordered by primary key (then by every column)."""
    quote_name = conn.ops.quote_name
    rows = {}
    with conn.cursor() as cursor:
        for table in conn.introspection.table_names(cursor):
            columns = [c.name for c in conn.introspection.get_table_description(cursor, table)]
            keys = conn.introspection.get_primary_key_columns(cursor, table) or []
            cursor.execute(f"SELECT {', '.join(map(quote_name, columns))} FROM {quote_name(table)} "
                           f"ORDER BY {', '.join(map(quote_name, [*keys, *columns]))}")
            rows[table] = cursor.fetchall()
    return rows


def backup(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("backup", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def restore(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


@contextlib.contextmanager
def empty_database(tmp_path):
    """A new empty database beside the test database: its DATABASE_URL and a connection to read it."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        url, name = f"sqlite:///{path}", str(path)
    else:
        name = f"{source['NAME']}_restored"
        credentials = quote(source["USER"] or "", safe="") + (f":{quote(source['PASSWORD'], safe='')}"
                                                             if source["PASSWORD"] else "")
        url = f"postgres://{credentials}@{quote(source['HOST'] or '', safe='')}:{source['PORT'] or 5432}/{name}"
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    target = type(connections[DEFAULT_DB_ALIAS])({**source, "NAME": name}, alias="restored")
    connections["restored"] = target  # reachable by its alias, as the backend's introspection asks
    try:
        yield url, target
    finally:
        target.close()
        del connections["restored"]
        if connection.vendor == "postgresql":
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


def restore_elsewhere(archive: Path, *, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    """manage.py restore in a process of its own, configured by the environment as on a new server."""
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)}
    return subprocess.run([sys.executable, "manage.py", "restore", str(archive)], cwd=django_settings.BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=600)


@committed
def test_round_trip_of_the_demo_portfolio_into_a_new_database(portfolio, settings, media, tmp_path):
    settings.DEMO = True
    call_command("create_demo_users", stdout=io.StringIO())
    archive = tmp_path / "backup.tar.gz"
    backup(archive)
    source = table_rows(connection)
    history = [t for t in source if "_historical" in t]
    assert len(history) >= 4 and all(source[t] for t in ("projects_historicalproject", "projects_historicalmonthlyreport"))

    with empty_database(tmp_path) as (url, target):
        done = restore_elsewhere(archive, database_url=url, media_root=tmp_path / "restored-media")
        assert done.returncode == 0, done.stderr
        restored = table_rows(target)
        analyzed = analyzed_columns(target, "projects_project")

    assert sorted(restored) == sorted(source)
    differing = [t for t in source if restored[t] != source[t]]
    assert not differing, f"tables whose rows differ after the restore: {differing}"
    assert sum(map(len, source.values())) > 7000
    assert f"the row counts of all {len(source)} tables" in done.stdout
    if connection.vendor == "postgresql":  # the planner has the restored columns' statistics at once
        assert analyzed > 0 and "(ANALYZE)" in done.stdout
    assert {p.relative_to(tmp_path / "restored-media").as_posix(): p.read_bytes()
            for p in (tmp_path / "restored-media").rglob("*") if p.is_file()} == MEDIA


@committed
def test_the_manifest_lists_every_table_migration_and_member(world, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    said = backup(archive)
    manifest = manifest_of(archive)
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    assert manifest["tables"] == counts
    assert manifest["tables"]["projects_project"] == Project.objects.count() == 2
    applied = MigrationRecorder(connection).applied_migrations()
    assert sorted(manifest["migrations"]) == sorted(f"{app}.{name}" for app, name in applied)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["format"] == "baiyun-portfolio-backup" and manifest["format_version"] == 1
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    assert set(members) == {"manifest.json", manifest["database"]["dump"], *(f"media/{n}" for n in MEDIA)}
    for name, facts in manifest["files"].items():
        assert facts == {"size": len(members[name]), "sha256": hashlib.sha256(members[name]).hexdigest()}, name
    assert manifest["media_files"] == len(MEDIA)
    assert f"{sum(counts.values())} rows" in said and f"{len(MEDIA)} media files" in said
    assert archive.stat().st_mode & 0o077 == 0  # password hashes and tokens: the owner's alone


@committed
def test_a_backup_without_media_root(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "no-such-directory"
    archive = tmp_path / "backup.tar.gz"
    backup(archive)
    manifest = manifest_of(archive)
    assert manifest["media_files"] == 0 and list(manifest["files"]) == [manifest["database"]["dump"]]


@committed
def test_restore_replaces_the_data_of_a_database_only_when_told(world, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup(archive)
    before = table_rows(connection)
    Project.objects.filter(code="P-own").update(name="changed after the backup")
    Project.objects.filter(code="P-other").delete()
    (media / "top.txt").write_bytes(b"changed")
    changed = table_rows(connection)
    remembered.forget()
    namespace = cache.get(remembered.NAMESPACE_KEY)

    with pytest.raises(CommandError) as refused:
        restore(archive)
    assert cache.get(remembered.NAMESPACE_KEY) == namespace  # a refused restore replaces nothing, forgets nothing
    said = str(refused.value)
    assert "is not empty" in said and re.search(r"(\d+) tables hold rows \(rows per table: \w+: \d+", said)
    assert "createdb" in str(refused.value) and "--replace" in str(refused.value)
    assert table_rows(connection) == changed and (media / "top.txt").read_bytes() == b"changed"

    (media / "made-after-the-backup.pdf").write_bytes(b"new")
    said = restore(archive, "--replace")
    assert table_rows(connection) == before
    # What was remembered of the replaced data is forgotten (projects.remembered).
    assert cache.get(remembered.NAMESPACE_KEY) not in (None, namespace)
    assert (media / "top.txt").read_bytes() == MEDIA["top.txt"]
    assert "match the manifest" in said
    assert "1 file already there that the backup does not hold left in place" in said
    assert (media / "made-after-the-backup.pdf").read_bytes() == b"new"
    # The restored database works as before: new rows take new keys.
    assert Project.objects.create(programme=world.programme, code="P-new", name="新项目").pk > max(
        world.projects["own"].pk, world.projects["other"].pk)


@committed
def test_a_database_that_was_only_migrated_counts_as_empty(world, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup(archive)
    before = table_rows(connection)
    call_command("flush", interactive=False)  # what migrate leaves: content types, permissions, migration records
    assert not Project.objects.exists()
    said = restore(archive)
    assert "match the manifest" in said
    assert table_rows(connection) == before


@pytest.fixture(scope="module")
def an_archive(django_db_setup, django_db_blocker, tmp_path_factory):
    """One backup (of the test database as migrated, with the MEDIA files) for the tests that only read it."""
    folder = tmp_path_factory.mktemp("archive")
    for name, data in MEDIA.items():
        (folder / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "media" / name).write_bytes(data)
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=folder / "media"):
        backup(folder / "backup.tar.gz")
    return folder / "backup.tar.gz"


@pytest.mark.django_db
def test_check_only_reads_the_file(an_archive, world, media):
    before = table_rows(connection)
    (media / "top.txt").write_bytes(b"changed")
    said = restore(an_archive, "--check")
    assert "every checksum matches the manifest" in said and "3 media files" in said
    assert table_rows(connection) == before and (media / "top.txt").read_bytes() == b"changed"


def _rewrite(archive: Path, out: Path, *, manifest=None, drop=()) -> Path:
    """A copy of the archive without the members `drop`, its manifest changed by `manifest(m)`."""
    with tarfile.open(archive) as tar, tarfile.open(out, "w:gz") as copy:
        for member in tar:
            if member.name in drop:
                continue
            data = tar.extractfile(member).read()
            if member.name == "manifest.json" and manifest:
                changed = json.loads(data)
                manifest(changed)
                data = json.dumps(changed).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return out


def _flip_a_byte_of_the_dump(archive: Path, out: Path) -> Path:
    """The archive with one byte of the database member changed (and compressed again, so it reads to its end)."""
    data = bytearray(gzip.decompress(archive.read_bytes()))
    with tarfile.open(archive) as tar:
        dump = next(m for m in tar if m.name.startswith("database."))
    data[dump.offset_data + dump.size // 2] ^= 0xFF
    out.write_bytes(gzip.compress(bytes(data)))
    return out


def _flip_a_compressed_byte(archive: Path, out: Path) -> Path:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def _flip_a_byte_of_the_compressed_checksum(archive: Path, out: Path) -> Path:
    """The gzip trailer's CRC32 (its last eight bytes are the CRC and the length): past the tar archive's end."""
    data = bytearray(archive.read_bytes())
    data[-8] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def _cut_short(archive: Path, out: Path) -> Path:
    out.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return out


def _not_an_archive(archive: Path, out: Path) -> Path:
    out.write_bytes("不是备份".encode() * 1000)
    return out


def _other_vendor(m):
    m["database"]["vendor"] = "sqlite" if m["database"]["vendor"] == "postgresql" else "postgresql"


DAMAGES = {
    "a flipped byte": (_flip_a_byte_of_the_dump, "is damaged: the checksum of database."),
    "cut short": (_cut_short, "is damaged: the archive cannot be read to its end"),
    "not an archive": (_not_an_archive, "(it is not a tar archive)"),
    "a flipped byte of the compressed file": (_flip_a_compressed_byte, "damaged"),
    "a flipped byte of the compressed file's checksum": (_flip_a_byte_of_the_compressed_checksum,
                                                         "the archive cannot be read to its end"),
    "no manifest": (lambda a, o: _rewrite(a, o, drop={"manifest.json"}), "has no manifest.json"),
    "a foreign manifest": (lambda a, o: _rewrite(a, o, manifest=lambda m: m.update(format="other")),
                           "its manifest.json is of another format"),
    "a member missing": (lambda a, o: _rewrite(a, o, drop={"media/top.txt"}),
                         "it lacks media/top.txt, which its manifest lists"),
    "a later format": (lambda a, o: _rewrite(a, o, manifest=lambda m: m.update(format_version=2)),
                       "made by a newer version of the platform (backup format 2)"),
    "the other database": (lambda a, o: _rewrite(a, o, manifest=_other_vendor), "is a backup of a database on"),
    "migrations this version lacks": (
        lambda a, o: _rewrite(a, o, manifest=lambda m: m["migrations"].append("projects.9999_future")),
        "this version does not have its migrations projects.9999_future"),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
@pytest.mark.django_db
def test_a_damaged_or_foreign_file_changes_nothing(damage, an_archive, world, media, tmp_path):
    make, words = DAMAGES[damage]
    (media / "top.txt").write_bytes(b"changed")
    before = table_rows(connection)
    bad = make(an_archive, tmp_path / "bad.tar.gz")
    with pytest.raises(CommandError) as refused:
        restore(bad, "--replace")  # refused for the file, not for a database holding data
    assert words in str(refused.value)
    assert table_rows(connection) == before
    assert (media / "top.txt").read_bytes() == b"changed"


@committed
def test_a_failed_backup_leaves_no_file(world, media, tmp_path, monkeypatch):
    import portfolio.backups as backups

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_media_files", fail)
    out = tmp_path / "backups"
    out.mkdir()
    with pytest.raises(CommandError, match="No space left on device"):
        backup(out / "backup.tar.gz")
    assert list(out.iterdir()) == []
    with pytest.raises(CommandError, match="does not exist; create it first"):
        backup(tmp_path / "missing" / "backup.tar.gz")
    with pytest.raises(CommandError, match="does not exist; create it first"):
        backup(f"{tmp_path / 'missing'}/")  # a directory meant, not a file named "missing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "media"]


@committed
def test_without_pg_dump_the_backup_says_what_to_install(world, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump is PostgreSQL's")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found: install the PostgreSQL client programs"):
        backup(tmp_path / "backup.tar.gz")
    assert list(tmp_path.iterdir()) == []


@committed
def test_a_directory_gets_a_dated_backup_and_keeps_what_the_retention_says(world, media, tmp_path):
    out = tmp_path / "backups"
    out.mkdir()
    for day in (1, 2, 3):
        (out / f"portfolio-202501{day:02}-023000.tar.gz").write_bytes(b"old")
    (out / "notes.txt").write_text("not a backup")
    said = backup(out, "--keep-daily", "2")
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3 and names[0:2] == ["notes.txt", "portfolio-20250103-023000.tar.gz"]
    assert manifest_of(out / names[2])["tables"]["projects_project"] == 2
    assert "2 backups kept, 2 removed" in said
    with pytest.raises(CommandError, match="need FILE to be a directory"):
        backup(out / "one.tar.gz", "--keep-daily", "2")
    with pytest.raises(CommandError, match="0 or more"):
        backup(out, "--keep-daily", "-1")


def _daily_names(first: dt.date, last: dt.date) -> list[str]:
    days = (last - first).days + 1
    return [f"portfolio-{first + dt.timedelta(days=n):%Y%m%d}-023000.tar.gz" for n in range(days)]


def test_retention_keeps_the_newest_of_each_day_week_and_month():
    names = [*_daily_names(dt.date(2025, 1, 1), dt.date(2025, 6, 30)), "portfolio-20250630-011500.tar.gz",
             "portfolio-latest.tar.gz", "other-20250630-023000.tar.gz"]
    kept = backups_to_keep(names, Retention(daily=3, weekly=4, monthly=3))
    assert kept == {
        "portfolio-20250630-023000.tar.gz", "portfolio-20250629-023000.tar.gz", "portfolio-20250628-023000.tar.gz",  # days
        "portfolio-20250622-023000.tar.gz", "portfolio-20250615-023000.tar.gz",  # the Sundays ending ISO weeks 25, 24
        "portfolio-20250531-023000.tar.gz", "portfolio-20250430-023000.tar.gz",  # the months' last backups
    }
    a_year = backups_to_keep(_daily_names(dt.date(2024, 1, 1), dt.date(2025, 6, 30)),
                             Retention(daily=14, weekly=8, monthly=12))
    assert len(a_year) == 14 + 5 + 11  # 3 of the 8 weeks and 1 of the 12 months are kept by the days already


def test_pruning_touches_only_backups_and_old_leftovers(tmp_path):
    for name in _daily_names(dt.date(2025, 6, 1), dt.date(2025, 6, 10)):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "portfolio-latest.tar.gz").write_bytes(b"x")
    stale, fresh = tmp_path / ".portfolio-backup-ab12.partial", tmp_path / ".portfolio-backup-cd34.partial"
    stale.mkdir()
    fresh.mkdir()
    two_days_ago = dt.datetime.now().timestamp() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    result = prune_backups(directory=tmp_path, retention=Retention(daily=2))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".portfolio-backup-cd34.partial", "portfolio-20250609-023000.tar.gz", "portfolio-20250610-023000.tar.gz",
        "portfolio-latest.tar.gz",
    ]
    assert len(result.removed) == 9 and stale.name in result.removed
