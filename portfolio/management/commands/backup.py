"""Write a backup: the database (a consistent snapshot), the media files and a manifest, in one archive."""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portfolio.backups import BackupError, Retention, backup_create, plural, prune_backups


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"a number of backups to keep, 0 or more, not {value!r}")
    return int(value)


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump on PostgreSQL, the backup API on SQLite) and the files under MEDIA_ROOT "
        "into one archive with a manifest (row counts, checksums). FILE is the archive, or a directory to write "
        "portfolio-YYYYMMDD-HHMMSS.tar.gz into; the --keep options then delete older backups there."
    )
    # A backup must run whatever else is misconfigured (a missing font, say): no system checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive to write, or an existing directory to write a dated archive into.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default).")
        for period, unit, example in (("daily", "days", 14), ("weekly", "ISO weeks", 8), ("monthly", "months", 12)):
            parser.add_argument(
                f"--keep-{period}", type=_count, default=0, metavar="N",
                help=f"After the backup, keep the newest backup of each of the last N {unit} in the directory "
                     f"(e.g. {example}); the others are deleted.",
            )

    def handle(self, *args, file, database, keep_daily, keep_weekly, keep_monthly, **options):
        retention = Retention(daily=keep_daily, weekly=keep_weekly, monthly=keep_monthly)
        target = Path(file)
        if retention and not target.is_dir():
            raise CommandError(f"The --keep options need FILE to be a directory of backups; {target} is not one.")
        try:
            result = backup_create(target=file, using=database, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for name in result.skipped:
            self.stderr.write(f"Left out of the backup (not a regular file, or an unreadable name): {name}")
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {result.path} ({result.size / 1024 / 1024:.1f} MB) in {result.seconds:.1f} s: "
            f"the database {result.database} ({result.tables} tables, {result.rows} rows) and "
            f"{plural(result.media_files, 'media file')}."
        ))
        if retention:
            try:
                pruned = prune_backups(directory=target, retention=retention)
            except BackupError as exc:
                raise CommandError(f"The backup is written, but the old backups were not pruned: {exc}") from None
            self.stdout.write(f"Retention ({keep_daily} daily, {keep_weekly} weekly, {keep_monthly} monthly): "
                              f"{len(pruned.kept)} backups kept, {len(pruned.removed)} removed.")
            for name in pruned.removed:
                self.stdout.write(f"  removed {name}")
