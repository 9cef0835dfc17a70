# The two commands of the README: `make run` and `make test`. Everything else is set-up they call.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Python keeps the bytecode it compiles (__pycache__/, ignored by git) even where the shell says not to:
# otherwise every process of a run (each test worker, each PDF worker, each command) compiles Django,
# the libraries and the project again, about five seconds of CPU each. The installs compile the
# libraries' bytecode once, for the same reason.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run serve test test-fast install install-dev system-deps js-deps setup lint lock load bench messages audit clean

# `make test` runs every test (the slow, browser and fuzz ones too) on one worker per core
# (pytest-xdist, work stealing: the long browser and fuzz tests do not leave a core idle).
# COVERAGE=1 adds the coverage of the four apps to the output (it makes the run half as long again,
# so CI leaves it out). PYTEST_ARGS adds to it: a path, -k, or -m "not slow and not e2e and
# not fuzz"; PYTEST_WORKERS=0 runs in one process (e.g. for pdb).
PYTEST_WORKERS ?= auto
COVERAGE ?=
COVERAGE_ARGS := $(if $(COVERAGE),--cov=portfolio --cov=projects --cov=indicators --cov=notifications --cov-report=term:skip-covered)
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),-n 0,-n $(PYTEST_WORKERS) --dist worksteal)

run: install system-deps setup
	$(PY) manage.py runserver $(HOST):$(PORT)

# The production configuration on this machine (gunicorn, a Celery worker and beat, DEBUG off, hashed
# static files) against PostgreSQL and Redis: DATABASE_URL and REDIS_URL, the local ones by default.
# README, "Deploying", for a real server.
serve: install system-deps
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	PORT=$(PORT) bash scripts/serve.sh

test: install-dev system-deps js-deps
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(VENV)/bin/pytest $(XDIST) $(COVERAGE_ARGS) $(PYTEST_ARGS)

# A quick local run: everything but the slow, browser and fuzz tests, without coverage.
test-fast: install-dev
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(VENV)/bin/pytest $(XDIST) -m "not slow and not e2e and not fuzz" $(PYTEST_ARGS)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv

# The dependencies are installed at the versions the lock files pin (requirements.lock for running,
# requirements-dev.lock adds the tests' tools), then the project itself without resolving again.
# Re-installed only when a lock file or pyproject.toml changes, so a second `make run` is fast.
# `make lock` pins the newest versions pyproject.toml admits.
$(VENV)/.installed: pyproject.toml requirements.lock | $(PY)
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements.lock || $(PY) -m pip install -q -r requirements.lock
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) --no-deps -e . || $(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock | $(PY)
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements-dev.lock || $(PY) -m pip install -q -r requirements-dev.lock
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) --no-deps -e . || $(PY) -m pip install -q --no-deps -e .
	touch $(VENV)/.installed $@

LOCK_ARGS := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -q
lock: | $(PY)
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_ARGS) -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev $(LOCK_ARGS) -o requirements-dev.lock

# The load test (bench/load.py): 50 simulated users for 2 minutes against gunicorn on PostgreSQL, in a
# database of its own (LOAD_DATABASE_URL); LOAD_ARGS=--short for 5 users and 10 seconds.
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portfolio_load
load: install system-deps
	DATABASE_URL=$(LOAD_DATABASE_URL) $(PY) -m bench.load $(LOAD_ARGS)

# The scale benchmark (bench/pages.py): every page and answer at 434 and at 100,000 projects × 12 months
# on PostgreSQL (databases bench_434 and bench_100k on BENCH_DATABASE_URL's server, built once and then
# reused), printed and written to docs/bench.md. BENCH_ARGS: --sizes 434, --runs 3, --only dashboard ...,
# --skip report-pdf (the 100,000-project PDF takes over 20 minutes; the table is then printed, not written).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
bench: install-dev system-deps
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.pages $(BENCH_ARGS)

# pip-audit over the locked dependencies, where a vulnerability source is reachable (it says when none is).
audit: install-dev
	@bash scripts/audit.sh requirements.lock

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

system-deps:
	@bash scripts/system-deps.sh

# axe-core for the accessibility browser test, from package-lock.json into node_modules/.
js-deps: system-deps
	@bash scripts/js-deps.sh

# Migrate, load the report fixtures and the itemised sample portfolio, create demo accounts.
setup: install
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py setup_demo

# ruff (with McCabe complexity at most 15) and the import-linter contracts in pyproject.toml.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles node_modules
