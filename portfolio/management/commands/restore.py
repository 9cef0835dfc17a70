"""Restore a backup written by `manage.py backup` into an empty database and MEDIA_ROOT."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portfolio.backups import BackupError, backup_restore, checked_backup, plural


class Command(BaseCommand):
    help = (
        "Check a backup (manifest and checksums), restore its database into the configured database, which must "
        "be empty (or --replace), and its media files into MEDIA_ROOT, then compare every table's row count "
        "with the manifest. --check only checks the file."
    )
    # A restore runs on a new server before anything else is set up: no system checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive written by manage.py backup.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default).")
        parser.add_argument("--check", action="store_true", help="Only check the file; change nothing.")
        parser.add_argument(
            "--replace", action="store_true",
            help="Restore even though the database holds data: its data is replaced by the backup's.",
        )

    def handle(self, *args, file, database, check, replace, **options):
        try:
            with checked_backup(file) as backup:
                self.stdout.write(f"Checked {file}: {backup.describe()}; every checksum matches the manifest.")
                if check:
                    return
                result = backup_restore(backup=backup, using=database, replace=replace, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {plural(result.media_files, 'media file')} into {settings.MEDIA_ROOT}.")
        if result.media_left:
            self.stdout.write(f"  {plural(result.media_left, 'file')} already there that the backup does not hold "
                              f"left in place.")
        self.stdout.write(self.style.SUCCESS(
            f"Restored the database {result.database} in {result.seconds:.1f} s; the row counts of all "
            f"{result.tables} tables ({result.rows} rows) match the manifest."
        ))
        if result.pending_migrations:
            self.stdout.write(f"The backup predates {result.pending_migrations} migrations of this version: "
                              f"run manage.py migrate.")
