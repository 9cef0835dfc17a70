"""gunicorn's configuration for the platform (deploy/portfolio-web.service, make serve).

Every value can be changed from the environment the service reads (/etc/portfolio/env).
"""

import multiprocessing
import os

# nginx talks to gunicorn on the loopback; PORTFOLIO_BIND=0.0.0.0:8000 only behind a firewall.
bind = os.environ.get("PORTFOLIO_BIND", "127.0.0.1:8000")
# Synchronous workers: the pages are short database work, and report files of large scopes render in
# the Celery worker, not here. Two per core and one more, as gunicorn advises.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A report file of up to PORTFOLIO_BACKGROUND_PROJECTS projects renders in the request: give it time.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so not all at once): the memory a large
# rendering took goes back to the system.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
# The platform writes its own access line (JSON, with the request id and user); gunicorn's is off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# The proxy on this host may tell gunicorn the client's scheme (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Requests larger than this are refused before Django reads them (imports are at most 10 MB).
limit_request_line = 8190
proc_name = "portfolio-web"
