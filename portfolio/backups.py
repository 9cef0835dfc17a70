"""Backups of the platform: the database and the media files in one archive with a manifest, and their restore.

An archive (``portfolio-YYYYMMDD-HHMMSS.tar.gz``, gzip at its fastest level: the SQLite database
shrinks to a quarter, the PostgreSQL dump is compressed already and costs little more) holds:

* ``database.pgdump`` (``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite's backup API);
* ``media/...``, every regular file under ``settings.MEDIA_ROOT``;
* ``manifest.json``, last: the format, when and from what the backup was made, the applied
  migrations, the row count of every table and the size and sha256 of every other member.

The database part is consistent: pg_dump reads a snapshot that this module exports from a
transaction of its own, in which it also counts the rows, so the counts are those of the dump;
SQLite's backup API copies the database in one step, and the rows are counted in the copy. The media
files are copied one by one (they are written once and not changed afterwards).

This module knows no feature app: it works on whatever tables the database holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.utils import ConnectionDoesNotExist
from django.dispatch import Signal
from django.utils import timezone

from .planner import refresh_statistics

FORMAT = "baiyun-portfolio-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
VENDORS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
# Rows a new database gets from `migrate` itself (migration records, content types, permissions,
# the role groups): a database holding only these counts as empty.
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission", "auth_group"})
FILE_NAME = re.compile(r"^portfolio-(\d{8}-\d{6})\.tar\.gz$")
PARTIAL_PREFIX = ".portfolio-backup-"
PARTIAL_SUFFIX = ".partial"
CHUNK = 1024 * 1024

Log = Callable[[str], None]


# Sent after a restore replaced the database: whatever was derived from the data it held (figures
# remembered in the cache) is to be forgotten. Arguments: using.
data_replaced = Signal()


class BackupError(Exception):
    """An expected failure (missing tool, unwritable path, damaged or foreign file), said in words."""


# Backup ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    vendor: str
    database: str
    tables: int
    rows: int
    media_files: int
    skipped: tuple[str, ...]  # entries under MEDIA_ROOT left out (links, devices, undecodable names)
    seconds: float


def backup_file_name(moment: dt.datetime) -> str:
    """The name a backup gets in a directory: its local time, which retention reads back."""
    return f"portfolio-{timezone.localtime(moment):%Y%m%d-%H%M%S}.tar.gz"


def backup_create(*, target: Path | str, using: str = DEFAULT_DB_ALIAS, log: Log = lambda _line: None) -> BackupResult:
    """Write the database and the media files into the archive `target` (or a new file in the directory `target`).

    The archive is written under a temporary name next to the target and renamed when complete, so
    a failed backup leaves no partial file under the target's name.
    """
    started = time.monotonic()
    connection = _connection(using)
    if connection.vendor not in DUMPS:
        raise BackupError(f"Backups support PostgreSQL and SQLite; the database {using!r} is {connection.vendor}.")
    if str(target).endswith(os.sep) and not Path(target).is_dir():
        raise BackupError(f"The directory {target} does not exist; create it first.")
    target = Path(target)
    if target.is_dir():
        target = target / backup_file_name(timezone.now())
    directory = target.parent
    if not directory.is_dir():
        raise BackupError(f"The directory {directory} does not exist; create it first.")
    try:
        staging = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX, dir=directory))
    except OSError as exc:
        raise BackupError(f"Cannot write in {directory}: {exc.strerror}.") from None
    try:
        dump = staging / DUMPS[connection.vendor]
        log(f"Dumping the {VENDORS[connection.vendor]} database {_database_name(connection)}…")
        try:
            if connection.vendor == "postgresql":
                database = _dump_postgresql(connection, dump)
            else:
                database = _dump_sqlite(connection, dump)
        except _database_errors(connection) as exc:
            raise BackupError(f"Cannot read the database {_database_name(connection)}: {exc}".strip()) from None
        log("Writing the archive…")
        archive = staging / "archive.tar.gz"
        media_files, skipped = _write_archive(archive, dump=dump, database=database)
        os.replace(archive, target)
        _fsync_directory(directory)
    except OSError as exc:
        raise BackupError(f"Cannot write the backup {target}: {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupResult(
        path=target, size=target.stat().st_size, vendor=connection.vendor, database=database["name"],
        tables=len(database["tables"]), rows=sum(database["tables"].values()), media_files=media_files,
        skipped=tuple(skipped), seconds=time.monotonic() - started,
    )


def _connection(using: str):
    try:
        return connections[using]
    except ConnectionDoesNotExist:
        raise BackupError(f"No database {using!r} is configured.") from None


def _database_errors(connection) -> tuple[type[Exception], ...]:
    """Django's errors and the driver's own (a connection of this module's own is not wrapped by Django)."""
    return (DatabaseError, connection.Database.Error)


def _database_name(connection) -> str:
    return str(connection.settings_dict.get("NAME") or "")


def _pg_environment(connection) -> dict[str, str]:
    """libpq's environment for the configured database: the password travels here, not on a command line."""
    settings_dict = connection.settings_dict
    _args, env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(env or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        completed = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} was not found: install the PostgreSQL client programs (Debian: apt-get install "
            f"postgresql-client, of the server's major version or newer)."
        ) from None
    if completed.returncode:
        detail = (completed.stderr or completed.stdout).strip()
        raise BackupError(f"{what} failed (exit status {completed.returncode}): {detail}")


def _table_facts(connection, cursor) -> dict:
    """Tables with their row counts, and the applied migrations, as the cursor's transaction sees them."""
    quote = connection.ops.quote_name
    tables = {}
    for table in connection.introspection.table_names(cursor):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        tables[table] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    return {"tables": tables, "migrations": migrations}


def _dump_postgresql(connection, path: Path) -> dict:
    """pg_dump of the snapshot of a read-only transaction in which the rows are counted too."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with contextlib.closing(raw.cursor()) as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            facts = _table_facts(connection, cursor)
            _run(
                ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={path}"],
                env=_pg_environment(connection), what="pg_dump",
            )
        raw.rollback()
    finally:
        raw.close()
    return {"vendor": "postgresql", "name": _database_name(connection), "server_version": server_version, **facts}


def _dump_sqlite(connection, path: Path) -> dict:
    """SQLite's backup API, in one step (a consistent copy), through a connection of its own."""
    source = connection.get_new_connection(connection.get_connection_params())
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)
        # The copy stands alone in one file (no -wal beside it) wherever it is restored from.
        copy.execute("PRAGMA journal_mode=DELETE")
        with contextlib.closing(copy.cursor()) as cursor:
            facts = _table_facts(connection, cursor)
    finally:
        copy.close()
        source.close()
    return {"vendor": "sqlite", "name": _database_name(connection), "server_version": sqlite3.sqlite_version, **facts}


class _HashingReader:
    """A file read by tarfile, hashed on the way: the checksum is that of the bytes archived."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, arcname: str) -> dict:
    with open(path, "rb") as file:
        info = tar.gettarinfo(arcname=arcname, fileobj=file)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _media_files(skipped: list[str]) -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:
                skipped.append(relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
                continue
            if path.is_symlink() or not path.is_file():
                skipped.append(relative)
                continue
            yield path, f"{MEDIA}/{relative}"


def _write_archive(archive: Path, *, dump: Path, database: dict) -> tuple[int, list[str]]:
    files, skipped = {}, []
    # Only its owner may read a backup: it holds the accounts' password hashes and API tokens.
    with open(os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file, \
            tarfile.open(fileobj=file, mode="w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
        files[dump.name] = _add(tar, dump, dump.name)
        for path, arcname in _media_files(skipped):
            files[arcname] = _add(tar, path, arcname)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "database": {"vendor": database["vendor"], "name": database["name"],
                         "server_version": database["server_version"], "dump": dump.name},
            "versions": {"django": django.get_version(), "app": app_version()},
            "migrations": database["migrations"],
            "tables": database["tables"],
            "media_files": len(files) - 1,
            "files": files,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        tar.addfile(info, io.BytesIO(data))
    with open(archive, "rb") as file:
        os.fsync(file.fileno())
    return len(files) - 1, skipped


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def app_version() -> str:
    try:
        return metadata.version("baiyun-portfolio")
    except metadata.PackageNotFoundError:
        return "unknown"


# Checking an archive --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedBackup:
    """An archive whose members matched its manifest, unpacked in a temporary directory."""

    source: Path
    manifest: dict
    directory: Path

    @property
    def vendor(self) -> str:
        return self.manifest["database"]["vendor"]

    @property
    def dump(self) -> Path:
        return self.directory / self.manifest["database"]["dump"]

    @property
    def tables(self) -> dict[str, int]:
        return self.manifest["tables"]

    @property
    def media(self) -> list[tuple[str, Path]]:
        prefix = f"{MEDIA}/"
        return [(name[len(prefix):], self.directory / name) for name in self.manifest["files"] if name.startswith(prefix)]

    def describe(self) -> str:
        m = self.manifest
        return (f"backup of the {VENDORS.get(self.vendor, self.vendor)} database {m['database']['name']} made "
                f"{m['created_at']} by version {m['versions'].get('app', '?')} "
                f"({len(self.tables)} tables, {sum(self.tables.values())} rows, {plural(len(self.media), 'media file')})")


@contextlib.contextmanager
def checked_backup(source: Path) -> Iterator[CheckedBackup]:
    """Unpack the archive into a temporary directory and check it against its manifest; refuse it otherwise."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    with tempfile.TemporaryDirectory(prefix="portfolio-restore-") as directory:
        found = _unpack(source, Path(directory))
        manifest = _read_manifest(source, Path(directory), found)
        yield CheckedBackup(source=source, manifest=manifest, directory=Path(directory))


def _member_allowed(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        return False
    return name == MANIFEST or name in DUMPS.values() or (path.parts[0] == MEDIA and len(path.parts) > 1)


def _unpack(source: Path, into: Path) -> dict[str, dict]:
    """Every member unpacked into `into`, with its size and sha256; a link or a stray name refuses the file."""
    try:
        with tarfile.open(source, "r:*") as tar:
            return _unpack_members(tar, source, into)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
        raise BackupError(f"{source} is not a backup made by manage.py backup (it is not a tar archive).") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {source}: {exc.strerror}.") from None


def _unpack_members(tar: tarfile.TarFile, source: Path, into: Path) -> dict[str, dict]:
    foreign = f"{source} is not a backup made by manage.py backup"
    found = {}
    try:
        for member in tar:
            if member.isdir():
                continue
            if not member.isfile() or not _member_allowed(member.name):
                raise BackupError(f"{foreign}: it holds {member.name!r}, which a backup never holds.")
            if member.name in found:
                raise BackupError(f"{foreign}: it holds {member.name!r} twice.")
            found[member.name] = _extract(tar, member, into)
        # tarfile stops at the archive's end marker: the compressed stream is read on to its end so that its
        # own checksum is checked too, and damage the members' checksums do not cover still refuses the file.
        while tar.fileobj.read(CHUNK):
            pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(f"{source} is damaged: the archive cannot be read to its end ({exc}).") from None
    return found


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, into: Path) -> dict:
    destination = into / member.name
    digest, size = hashlib.sha256(), 0
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as data, open(destination, "wb") as out:
            while chunk := data.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise
        raise BackupError(f"Cannot unpack the backup into {into}: {exc.strerror or exc}.") from None
    return {"size": size, "sha256": digest.hexdigest()}


def _read_manifest(source: Path, directory: Path, found: dict[str, dict]) -> dict:
    foreign = f"{source} is not a backup made by manage.py backup"
    if found.pop(MANIFEST, None) is None:
        # The manifest comes last: an archive damaged before its end reads as one without it.
        raise BackupError(f"{source} has no {MANIFEST}: it is damaged, or not a backup made by manage.py backup.")
    try:
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{source} is damaged: its {MANIFEST} cannot be read.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{foreign}: its {MANIFEST} is of another format.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"{source} was made by a newer version of the platform (backup format {version}); "
                          f"restore it with that version.")
    if not _manifest_complete(manifest):
        raise BackupError(f"{source} is damaged: its {MANIFEST} is incomplete.")
    files = manifest["files"]
    missing = sorted(set(files) - set(found))
    if missing:
        raise BackupError(f"{source} is damaged: it lacks {_some(missing)}, which its manifest lists.")
    unlisted = sorted(set(found) - set(files))
    if unlisted:
        raise BackupError(f"{source} is damaged: it holds {_some(unlisted)}, which its manifest does not list.")
    changed = sorted(name for name, facts in found.items()
                     if facts != {"size": files[name].get("size"), "sha256": files[name].get("sha256")})
    if changed:
        raise BackupError(f"{source} is damaged: the checksum of {_some(changed)} differs from the manifest's.")
    return manifest


def _manifest_complete(manifest: dict) -> bool:
    """Every part the restore reads is there, of the type it reads."""
    database, files, tables = manifest.get("database"), manifest.get("files"), manifest.get("tables")
    migrations, versions = manifest.get("migrations"), manifest.get("versions")
    return (
        isinstance(database, dict) and all(isinstance(database.get(k), str) for k in ("vendor", "name", "dump"))
        and isinstance(files, dict) and database["dump"] in files
        and all(isinstance(facts, dict) for facts in files.values())
        and isinstance(tables, dict) and all(isinstance(n, int) for n in tables.values())
        and isinstance(migrations, list)
        and all(isinstance(m, str) and m.count(".") == 1 for m in migrations)
        and isinstance(versions, dict) and isinstance(manifest.get("created_at"), str)
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _some(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


# Restore --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    database: str
    tables: int
    rows: int
    media_files: int
    media_left: int  # files already under MEDIA_ROOT that the backup does not hold (left in place)
    pending_migrations: int
    seconds: float


def backup_restore(*, backup: CheckedBackup, using: str = DEFAULT_DB_ALIAS, replace: bool = False,
                   log: Log = lambda _line: None) -> RestoreResult:
    """Restore a checked backup into the configured database and MEDIA_ROOT, then compare the row counts.

    Refuses a backup of the other vendor, a backup with migrations this version does not have, and a
    database that holds data (unless `replace`). The database is restored in one transaction
    (PostgreSQL) or one step (SQLite): a failure leaves it as it was.
    """
    started = time.monotonic()
    connection = _connection(using)
    name = _database_name(connection)
    _refuse_vendor(backup, connection)
    _refuse_unknown_migrations(backup)
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    restored = False  # whether the database was replaced (then what was derived from it is forgotten)
    try:
        _refuse_occupied(backup, connection, replace=replace)
        log(f"Restoring the {VENDORS[connection.vendor]} database {name}…")
        if connection.vendor == "postgresql":
            connection.close()
            database = name or f"service={connection.settings_dict['OPTIONS'].get('service', '')}"
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  "--clean", "--if-exists", "--no-password", f"--dbname={database}", str(backup.dump)],
                 env=_pg_environment(connection), what="pg_restore")
        else:
            connection.ensure_connection()
            source = sqlite3.connect(backup.dump)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        restored = True
        log(f"Restoring {plural(len(backup.media), 'media file')} into {settings.MEDIA_ROOT}…")
        media_left = _restore_media(backup)
        _verify_counts(backup, connection)
        # pg_restore restores no column statistics (distinct values, common values, histograms): the
        # planner would guess every condition's selectivity until autovacuum's ANALYZE.
        if refresh_statistics(using=connection.alias):
            log("Gathered the query planner's statistics (ANALYZE).")
        pending = _pending_migrations(connection)
    except _database_errors(connection) as exc:
        raise BackupError(f"The database {name} cannot be used: {exc}".strip()) from None
    finally:
        if restored:
            data_replaced.send(sender=backup_restore, using=connection.alias)
    return RestoreResult(database=name, tables=len(backup.tables), rows=sum(backup.tables.values()),
                         media_files=len(backup.media), media_left=media_left, pending_migrations=pending,
                         seconds=time.monotonic() - started)


def _refuse_vendor(backup: CheckedBackup, connection) -> None:
    if backup.vendor != connection.vendor:
        made, here = VENDORS.get(backup.vendor, backup.vendor), VENDORS.get(connection.vendor, connection.vendor)
        raise BackupError(f"{backup.source} is a backup of a database on {made}; the configured database is on "
                          f"{here}. Restore it where DATABASE_URL names a database on {made}.")


def _refuse_unknown_migrations(backup: CheckedBackup) -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations) | {key for m in loader.disk_migrations.values() for key in m.replaces}
    installed = {app for app, _name in loader.disk_migrations}
    applied = [tuple(migration.split(".")) for migration in backup.manifest["migrations"]]
    unknown = [f"{app}.{name}" for app, name in applied if app in installed and (app, name) not in known]
    if unknown:
        raise BackupError(
            f"{backup.source} was made by a newer version of the platform "
            f"({backup.manifest['versions'].get('app', '?')}): this version does not have its migrations "
            f"{_some(unknown)}. Install that version first."
        )


def _row_counts(connection, tables) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _refuse_occupied(backup: CheckedBackup, connection, *, replace: bool) -> None:
    existing = connection.introspection.table_names()
    counts = _row_counts(connection, [t for t in existing if t not in BOOKKEEPING_TABLES])
    occupied = {table: n for table, n in counts.items() if n}
    name = _database_name(connection)
    how = ("Restore into an empty database: on PostgreSQL create one (createdb -O <owner> <name>) and point "
           "DATABASE_URL at it; on SQLite point DATABASE_URL at a new file")
    if occupied and not replace:
        listed = _some([f"{t}: {n}" for t, n in sorted(occupied.items(), key=lambda item: (-item[1], item[0]))])
        raise BackupError(f"The database {name} is not empty: {len(occupied)} tables hold rows (rows per table: {listed}). "
                          f"{how}; or give --replace to replace its data with the backup's.")
    # pg_restore --clean replaces the backup's tables; a table only this database has would stay behind
    # and might hold references to the tables being replaced.
    extra = sorted(set(existing) - set(backup.tables))
    if connection.vendor == "postgresql" and extra:
        raise BackupError(f"The database {name} has tables the backup does not have ({_some(extra)}). {how}.")


def _restore_media(backup: CheckedBackup) -> int:
    root = Path(settings.MEDIA_ROOT)
    restored = set()
    try:
        for relative, path in backup.media:
            destination = root / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            partial = destination.with_name(f".{destination.name}.restoring")
            shutil.copyfile(path, partial)
            os.replace(partial, destination)
            restored.add(destination)
    except OSError as exc:
        raise BackupError(f"The database is restored but the media files are not: cannot write "
                          f"{exc.filename or root}: {exc.strerror}. Fix that and run the restore again "
                          f"with --replace.") from None
    if not root.is_dir():
        return 0
    return sum(1 for path in root.rglob("*") if path.is_file() and path not in restored)


def _verify_counts(backup: CheckedBackup, connection) -> None:
    present = set(connection.introspection.table_names())
    actual = _row_counts(connection, [t for t in backup.tables if t in present])
    differ = [f"{t} has {actual[t]} rows, the manifest says {n}" if t in actual else f"{t} is missing"
              for t, n in sorted(backup.tables.items()) if actual.get(t) != n]
    if differ:
        raise BackupError(f"The restored database does not match the manifest: {_some(differ)}.")


def _pending_migrations(connection) -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# Retention ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """How many backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
    `monthly` months that have a backup (a backup may count for all three)."""

    daily: int = 0
    weekly: int = 0
    monthly: int = 0

    def __bool__(self) -> bool:
        return bool(self.daily or self.weekly or self.monthly)


@dataclass(frozen=True)
class PruneResult:
    kept: tuple[str, ...]
    removed: tuple[str, ...]


def backups_to_keep(names: list[str], retention: Retention) -> set[str]:
    """The names (portfolio-YYYYMMDD-HHMMSS.tar.gz) the retention keeps; other names are not considered."""
    stamped = sorted(((dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S"), name)
                      for name in names if (m := FILE_NAME.match(name))), reverse=True)
    keep = set()
    periods = ((retention.daily, lambda t: t.date()), (retention.weekly, lambda t: t.isocalendar()[:2]),
               (retention.monthly, lambda t: (t.year, t.month)))
    for count, period in periods:
        seen = set()
        for stamp, name in stamped:
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.add(key)
            keep.add(name)
    return keep


def prune_backups(*, directory: Path, retention: Retention) -> PruneResult:
    """Delete the backups in `directory` the retention does not keep, and what interrupted runs left a day ago."""
    if not retention:
        raise BackupError("A retention keeps at least one daily, weekly or monthly backup.")
    entries = list(Path(directory).iterdir())
    names = [entry.name for entry in entries if FILE_NAME.match(entry.name) and entry.is_file()]
    keep = backups_to_keep(names, retention)
    removed = []
    day_ago = time.time() - 24 * 3600
    try:
        for entry in sorted(entries):
            if entry.name in names and entry.name not in keep:
                entry.unlink()
                removed.append(entry.name)
            elif (entry.name.startswith(PARTIAL_PREFIX) and entry.name.endswith(PARTIAL_SUFFIX)
                  and entry.stat().st_mtime < day_ago):
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry.name)
    except OSError as exc:
        raise BackupError(f"Cannot remove {exc.filename}: {exc.strerror}.") from None
    return PruneResult(kept=tuple(sorted(keep)), removed=tuple(removed))
