"""Loading the report fixtures: all or nothing, and only once per version of the files."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from .models import DatasetLoad

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
# Load order matters: programmes and projects refer to departments by natural key.
REPORT_FIXTURES = ["departments.json", "programmes.json", "report_projects.json", "report_indicators.json"]
REPORT_DATASET = "report:baiyun-2025-h1"


@dataclass(frozen=True)
class LoadResult:
    name: str
    checksum: str
    loaded: bool


def files_checksum(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def report_fixture_paths() -> list[Path]:
    return [FIXTURES_DIR / name for name in REPORT_FIXTURES if (FIXTURES_DIR / name).exists()]


def load_fixtures(*, name: str, paths: list[Path], force: bool = False) -> LoadResult:
    """Load fixture files in one transaction, unless this exact version was loaded before.

    A second load of unchanged files changes nothing (not even records an administrator edited
    since); a failing file rolls back every file of the set.
    """
    checksum = files_checksum(paths)
    if not force and DatasetLoad.objects.filter(name=name, checksum=checksum).exists():
        return LoadResult(name=name, checksum=checksum, loaded=False)
    with transaction.atomic():
        call_command("loaddata", *[str(p) for p in paths], verbosity=0)
        DatasetLoad.objects.update_or_create(name=name, defaults={"checksum": checksum})
    return LoadResult(name=name, checksum=checksum, loaded=True)


def load_report_data(*, force: bool = False) -> LoadResult:
    return load_fixtures(name=REPORT_DATASET, paths=report_fixture_paths(), force=force)
