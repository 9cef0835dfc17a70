#!/usr/bin/env bash
# `make serve`: the production configuration on this machine, without TLS: gunicorn, a Celery worker and
# the scheduler, against PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), DEBUG off, hashed static
# files. The first administrator is created with `manage.py createsuperuser` (the README says how).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portfolio}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DEBUG=0
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export PORTFOLIO_BIND="${PORTFOLIO_BIND:-127.0.0.1:${PORT:-8000}}"
export PORTFOLIO_SITE_URL="${PORTFOLIO_SITE_URL:-http://${PORTFOLIO_BIND}}"
# Served over plain HTTP here: no secure-only cookies, no HTTPS redirect or HSTS (a real server has
# nginx with TLS in front and leaves these at their defaults).
export SECURE_COOKIES="${SECURE_COOKIES:-0}" SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-0}"
export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}" BEHIND_TLS_PROXY="${BEHIND_TLS_PROXY:-0}"
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"
# A secret key of this machine's own, made once and kept in var/ (readable by this user only).
mkdir -p var
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s var/secret_key ]; then
    (umask 077; .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
  fi
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi

PY=.venv/bin/python
$PY manage.py migrate --no-input -v0
$PY manage.py load_report_data
$PY manage.py collectstatic --no-input -v0
$PY manage.py check --deploy --fail-level ERROR --database default

.venv/bin/celery -A portfolio worker --loglevel WARNING --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "serve@%h" &
worker=$!
.venv/bin/celery -A portfolio beat --loglevel WARNING --schedule var/celerybeat-schedule &
beat=$!
trap 'kill $worker $beat 2>/dev/null; wait $worker $beat 2>/dev/null' EXIT INT TERM
echo "Serving on http://${PORTFOLIO_BIND}/ (gunicorn, DEBUG off); Ctrl-C stops the web server, the worker and the scheduler."
.venv/bin/gunicorn --config deploy/gunicorn.conf.py portfolio.wsgi:application
