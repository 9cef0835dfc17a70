"""The files under deploy/ say what they are meant to say once systemd and the shell have read them.

A unit's command line passes through systemd's specifiers (%H the host name, %% a percent sign) and,
for /bin/sh -c, the shell: a node name written "worker@%%H" reaches Celery as "worker@%H", which Celery
refuses, and the worker restarts in a loop.
"""

import re
import shlex
from pathlib import Path

import pytest
from celery.utils.nodenames import host_format

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
HOST = "portfolio-server"


def systemd_expanded(line: str, unit: Path) -> str:
    """The specifiers systemd expands in a unit's ExecStart (those the units may use); others are refused."""
    known = {"%": "%", "H": HOST, "h": "/srv/portfolio", "n": unit.name, "u": "portfolio"}

    def expand(match):
        letter = match.group(1)
        assert letter in known, f"{unit.name}: the specifier %{letter} is not one these units should use"
        return known[letter]

    return re.sub(r"%(.)", expand, line)


def commands(unit: Path) -> list[list[str]]:
    """The argument vectors of a unit's ExecStart lines, as the program started receives them."""
    found = []
    for line in unit.read_text().splitlines():
        if not line.startswith("ExecStart="):
            continue
        argv = shlex.split(systemd_expanded(line.removeprefix("ExecStart="), unit))
        if argv[:2] == ["/bin/sh", "-c"]:
            script = re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", argv[2])  # ${VAR:-default} as the shell reads it unset
            argv = shlex.split(script.removeprefix("exec "))
        found.append(argv)
    return found


def test_every_unit_starts_a_program_of_the_virtualenv():
    assert {u.name for u in UNITS} >= {"portfolio-web.service", "portfolio-worker.service",
                                       "portfolio-beat.service", "portfolio-backup.service"}
    for unit in UNITS:
        argv_list = commands(unit)
        assert argv_list, unit.name
        for argv in argv_list:
            assert argv[0].startswith("/srv/portfolio/.venv/bin/"), (unit.name, argv)


@pytest.mark.parametrize("unit", [u for u in UNITS if "celery" in u.read_text()], ids=lambda u: u.name)
def test_a_celery_node_name_is_one_celery_accepts(unit):
    for argv in commands(unit):
        if "--hostname" in argv:
            name = host_format(argv[argv.index("--hostname") + 1])  # raises on a format Celery does not know
            assert name == f"worker@{HOST}", name


def test_the_files_the_units_name_are_in_the_repository():
    for unit in UNITS:
        for argv in commands(unit):
            for value in argv:
                if value.startswith("deploy/"):
                    assert (DEPLOY.parent / value).is_file(), (unit.name, value)
