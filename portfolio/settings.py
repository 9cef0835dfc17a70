"""Settings of the portfolio platform, read from the environment.

Development needs nothing set: DEBUG is on, the database is an SQLite file in var/ and a fixed
development key is used. With DEBUG off the secrets must be given, or start-up fails loudly.
"""

import os
from datetime import timedelta
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    PORTFOLIO_VERSION = _package_version("baiyun-portfolio")
except PackageNotFoundError:
    PORTFOLIO_VERSION = "0+unknown"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# Demo accounts (one per role, with known passwords) exist only where this is on.
DEMO = env_bool("DEMO", DEBUG)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off (production)."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # the API tokens (portfolio.api_tokens)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    # Two-factor sign-in (portfolio.twofactor): time-based codes from an authenticator app, and
    # single-use backup codes for a lost phone.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portfolio",
    "projects",
    "indicators",
    "notifications",
]

MIDDLEWARE = [
    # First: every request gets an id (X-Request-ID) and one log line with its status and duration.
    "portfolio.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: the policy is for documents; static files are answered before it.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portfolio.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session has passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: a session signed out for idleness says so on the login page.
    "portfolio.middleware.SessionTimeoutMiddleware",
    # Holds a signed-in user who owes the second factor at the code (or enrolment) page.
    "portfolio.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portfolio.middleware.MalformedFormDataMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login protection by django-axes: after 5 failed attempts for a username from one address, or
# PORTFOLIO_ADDRESS_FAILURE_LIMIT failed attempts from one address whatever the usernames (password
# spraying), the login is refused for 30 minutes (pages, admin and API token endpoint alike). The
# address limit is higher: a bureau's office reaches the platform from one address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Outside the demo nobody signs in with one of the demo accounts' published passwords.
    "projects.demo.DemoPasswordGuard",
    "django.contrib.auth.backends.ModelBackend",
    # Authorisation: user.has_perm() is the policy's answer (the role groups carry no permissions).
    "portfolio.policy.PolicyBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
PORTFOLIO_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# Each combination above with its own limit; a success clears the username's failures, not the address's.
AXES_HANDLER = "portfolio.login_protection.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# The number of reverse proxies in front of the application (nginx: 1), each appending the address it
# saw to X-Forwarded-For. 0 trusts no header: the client is the connection's address. The lockout and
# the token endpoint's throttle count by the address this gives (portfolio.client_address).
PORTFOLIO_PROXY_COUNT = int(os.environ.get("PORTFOLIO_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "portfolio.client_address.client_address"

ROOT_URLCONF = "portfolio.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "portfolio.wsgi.application"

# The embedded default is an SQLite file; production sets DATABASE_URL=postgres://...
# VAR_DIR (var/ by default) holds that file and the media files; the entry points (manage.py, the
# WSGI application) create it when it is missing: importing the settings changes nothing on disk.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # Production keeps a connection for a minute (a new one per request costs a few milliseconds
        # and, on PostgreSQL, a fresh backend), checked before each request reuses it.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock when the
    # transaction starts, so two writers queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a plan it estimates as costly: about 270 ms on the first such query of
    # a connection, for queries that run in tens of milliseconds. The pages' queries gain nothing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Government accounts: at least 12 characters (PORTFOLIO_PASSWORD_MIN_LENGTH), not a common password,
    # not only digits, not like the user's name; wrong guesses are limited by django-axes.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("PORTFOLIO_PASSWORD_MIN_LENGTH", "12"))}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []

# Files users upload and the platform generates (report files rendered in the background): a local
# directory by default, kept by the backup (manage.py backup).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Where files are kept: uploads and generated report files in a local directory (MEDIA_ROOT) unless
# S3-compatible storage is configured (django-storages, PORTFOLIO_S3_BUCKET); static files are served
# by WhiteNoise, hashed and compressed by `collectstatic` in production (a changed file gets a new
# name, so browsers may cache them for a year).
if os.environ.get("PORTFOLIO_S3_BUCKET"):
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["PORTFOLIO_S3_BUCKET"],
            "endpoint_url": os.environ.get("PORTFOLIO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("PORTFOLIO_S3_REGION") or None,
            "access_key": os.environ.get("PORTFOLIO_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("PORTFOLIO_S3_SECRET_KEY") or None,
            "location": os.environ.get("PORTFOLIO_S3_PREFIX", "portfolio"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
# collectstatic keeps a gzip and a Brotli copy of every text file beside it, except of the source maps:
# they are more than half of the collected bytes (the API documentation's bundles), only a browser's
# developer tools ask for them, and compressing them took most of collectstatic's minute.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Production runs behind nginx, which ends TLS and says so in X-Forwarded-Proto (deploy/nginx.conf).
# Each of these can be turned off for a server tried without TLS (make serve does).
# The headers every answer carries (django.middleware.security, clickjacking): no page in a frame, no
# guessing of a file's type, the full address of a page only to the platform's own pages, and a window
# of its own for every page (another site that opens one cannot reach into it).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles, pictures, fonts and requests from the platform
# itself only; no inline script, event handler or style attribute runs or applies. The report pages'
# and letters' stylesheet is one <style> block (WeasyPrint lays the PDF out from the same page) and
# carries the request's nonce. Pictures may be data: URIs (Bootstrap's and Swagger UI's icons).
# CSP_REPORT_ONLY=1 sends the policy as Content-Security-Policy-Report-Only (browsers report, block
# nothing); CSP_REPORT_URI names where browsers post their reports.
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF, NONCE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if os.environ.get("CSP_REPORT_URI"):
    _CSP_DIRECTIVES["report-uri"] = [os.environ["CSP_REPORT_URI"]]
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer asks /health/ over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is a promise to browsers' built-in lists that is hard to take back: the bureau's IT
    # decides it for its domain (SECURE_HSTS_PRELOAD=1); until then the deploy check's reminder of it
    # is silenced.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# The cache (throttles, render limits, the report-job de-duplication): Redis when REDIS_URL is set,
# shared by every web process and node; otherwise memory in each process (the development server).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portfolio"),
        }
    }
else:
    # One process's memory (make run): room for every user's render slots (portfolio.limits), which the
    # default of 300 entries would cull before their time.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 20_000}}}
# Province-wide figures remembered per state of the data (projects/remembered.py): only in a cache every
# process shares, so that forgetting them in one process (a command, a restore) reaches the others.
PORTFOLIO_REMEMBER_FIGURES = env_bool("PORTFOLIO_REMEMBER_FIGURES", bool(REDIS_URL))

# Background jobs (portfolio.celery): Redis as broker and result store. Without a broker (make run)
# tasks run in the process that sends them.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"  # never Celery's own default (a RabbitMQ on this host)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a job whose worker dies is given to another
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # renders are long: a worker takes one at a time
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50  # a render's memory goes back to the system now and then
CELERY_TASK_TIME_LIMIT = int(os.environ.get("PORTFOLIO_JOB_TIME_LIMIT", str(30 * 60)))
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The scheduled jobs (celery beat): the monthly cycle's reminders and month end, and the removal of
# report files past their keeping time. Times are Beijing time.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {"task": "projects.send_reminders", "schedule": crontab(hour=8, minute=30)},
    "month-end": {"task": "projects.month_end", "schedule": crontab(hour=9, minute=0)},
    "remove-old-report-files": {"task": "projects.remove_old_report_files", "schedule": crontab(hour=3, minute=15)},
}
# The month-end job closes a month by itself once every report is approved or waived (as the first
# superuser) when this is on; off, it only tells the coordinators, who close the month.
PORTFOLIO_AUTO_CLOSE = env_bool("PORTFOLIO_AUTO_CLOSE", False)

# Logging: one JSON object per line on standard output (the service manager keeps it), each request
# with its id, user id, method, path (never the query string: it can hold search words), status and
# duration (portfolio.observability). LOG_FORMAT=text gives plain lines for a terminal.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "portfolio.observability.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": os.environ.get("LOG_FORMAT", "text" if DEBUG else "json"),
            "filters": ["request_context"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Errors of requests (the 500s, with their traceback) go to the same stream; the access line
        # is portfolio.requests'.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# A history row's reason is the user's text (a month's reopening, an import's file name): a text column,
# not django-simple-history's default varchar(100), which PostgreSQL refuses to overflow.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then answers 401 with WWW-Authenticate, not 403.
        "portfolio.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    # JSON only, its nesting bounded before it is decoded (a deep body would be a RecursionError).
    "DEFAULT_PARSER_CLASSES": ["portfolio.api_parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Every API view answers refusals the same way (portfolio.api_base relies on it).
    "EXCEPTION_HANDLER": "projects.api.exceptions.api_exception_handler",
    # Throttles tell clients apart by address the same way as the lockout.
    "NUM_PROXIES": PORTFOLIO_PROXY_COUNT,
}

# API tokens (django-rest-knox, portfolio.api_tokens): stored as SHA-512 digests, valid for this many
# days, at most this many valid ones per user (the token endpoint refuses more: revoke one first).
PORTFOLIO_API_TOKEN_DAYS = int(os.environ.get("PORTFOLIO_API_TOKEN_DAYS", "30"))
PORTFOLIO_API_TOKEN_LIMIT = int(os.environ.get("PORTFOLIO_API_TOKEN_LIMIT", "10"))
# Requests to the token endpoint per client address (password guessing), counted in the shared cache.
PORTFOLIO_TOKEN_RATE = os.environ.get("PORTFOLIO_TOKEN_RATE", "20/min")
REST_KNOX = {"TOKEN_TTL": timedelta(days=PORTFOLIO_API_TOKEN_DAYS), "AUTH_HEADER_PREFIX": "Token"}
SPECTACULAR_SETTINGS = {
    "TITLE": "白云区重点项目管理平台 API",
    "DESCRIPTION": "Baiyun District key-project portfolio API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No online validator: Swagger UI would send the schema's address to validator.swagger.io and
    # show its badge from there (a picture from another site, which the Content-Security-Policy refuses).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # A milestone's planned and actual dates share one precision choice set: one name in the schema.
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "projects.choices.DatePrecision"},
}

# The district the platform serves, as its documents and file names name it.
PORTFOLIO_DISTRICT = os.environ.get("PORTFOLIO_DISTRICT", "白云区")
# The unit that issues the reports and letters: the signature block of every document.
PORTFOLIO_ISSUING_UNIT = os.environ.get("PORTFOLIO_ISSUING_UNIT", "广州市白云区发展和改革局")

# Two-factor sign-in (portfolio.twofactor): after the password, a 6-digit code from an authenticator
# app. Required of the roles named in PORTFOLIO_2FA_ROLES (administrator, coordinator, editor,
# viewer) while PORTFOLIO_REQUIRE_2FA is on: by default wherever DEBUG is off, so that the development
# server's demo accounts sign in with a password alone. Anyone else may turn it on for themselves.
PORTFOLIO_REQUIRE_2FA = env_bool("PORTFOLIO_REQUIRE_2FA", not DEBUG)
PORTFOLIO_2FA_ROLES = env_list("PORTFOLIO_2FA_ROLES", ["administrator", "coordinator"])
# The name the authenticator app shows beside the account.
OTP_TOTP_ISSUER = os.environ.get("PORTFOLIO_2FA_ISSUER", f"{PORTFOLIO_DISTRICT}重点项目管理平台")

# Sessions, for shared office machines: closing the browser ends the session; a session is signed out
# after PORTFOLIO_SESSION_IDLE_MINUTES without a request (0: never), and SESSION_COOKIE_AGE seconds after
# signing in whatever the activity (12 hours: a long working day, never overnight).
PORTFOLIO_SESSION_IDLE_MINUTES = int(os.environ.get("PORTFOLIO_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# The faces of official documents (GB/T 9704-2012: title 小标宋, body 仿宋, level-1 headings 黑体,
# level-2 楷体), each a list tried in order: the licensed faces a bureau has installed come first, then
# the free ones `make` installs (Fandol, Noto CJK). Word files name the first of each list (the
# reader's Word substitutes what it lacks). `manage.py check` says which face each role uses here.
PORTFOLIO_DOCUMENT_FONTS = {
    "title": env_list("PORTFOLIO_FONT_TITLE", ["方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC"]),
    "body": env_list("PORTFOLIO_FONT_BODY", ["仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "FandolFang",
                                             "Noto Serif CJK SC"]),
    "heading1": env_list("PORTFOLIO_FONT_HEADING1", ["黑体", "SimHei", "FandolHei", "Noto Sans CJK SC"]),
    "heading2": env_list("PORTFOLIO_FONT_HEADING2", ["楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "FandolKai",
                                                     "AR PL KaitiM GB", "Noto Serif CJK SC"]),
}

# The district and city programmes overlap (a city key project led by the district may also be a
# district key project), so reports never add them together. A bureau that does add them turns this
# on: reports then show a 合计 row and say which projects appear in both.
PORTFOLIO_ADD_PROGRAMMES = env_bool("PORTFOLIO_ADD_PROGRAMMES", False)

# Supervision letters (督办函 / 提醒函, projects.letters): the kind of letter a department gets for its
# worst warning colour (a department with red projects gets a 督办函 listing its yellow ones too), the
# prefix of their reference (白发改督〔2025〕3号) and the days a department has to respond.
PORTFOLIO_LETTER_KINDS = {"red": "supervision", "yellow": "reminder"}
PORTFOLIO_LETTER_PREFIX = os.environ.get("PORTFOLIO_LETTER_PREFIX", "白发改督")
PORTFOLIO_LETTER_RESPONSE_DAYS = int(os.environ.get("PORTFOLIO_LETTER_RESPONSE_DAYS", "10"))

# Role policy switches (the projects app's rules, projects.permissions): editors read every project and change only those
# their department leads, unless these say otherwise.
PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = env_bool("PORTFOLIO_EDITOR_SEES_ALL_PROJECTS", True)
PORTFOLIO_EDITOR_EDITS_CO_RESPONSIBLE = env_bool("PORTFOLIO_EDITOR_EDITS_CO_RESPONSIBLE", False)

# Report files (PDF, Excel, Word) of a scope of more than this many projects are rendered in the
# background (projects.reports.jobs, on Celery): the page shows the progress and then offers the file,
# kept for PORTFOLIO_REPORT_FILE_DAYS days. Smaller ones are rendered in the request.
PORTFOLIO_BACKGROUND_PROJECTS = int(os.environ.get("PORTFOLIO_BACKGROUND_PROJECTS", "2000"))
PORTFOLIO_REPORT_FILE_DAYS = int(os.environ.get("PORTFOLIO_REPORT_FILE_DAYS", "7"))
# Rendering limits (portfolio.limits): renders per user per window (count, seconds), and renders at once
# in the web processes of one node.
PORTFOLIO_RENDER_RATE = (int(os.environ.get("PORTFOLIO_RENDER_RATE", "30")), 600)
PORTFOLIO_RENDERS_PER_NODE = int(os.environ.get("PORTFOLIO_RENDERS_PER_NODE", "2"))
# In a background worker, a long PDF's appendix is laid out in a second process while the rest is laid
# out in the worker (projects.reports.renderers.pdf); never in a web request.
PORTFOLIO_PDF_WORKER = env_bool("PORTFOLIO_PDF_WORKER", True)
# There, an appendix of more than this many projects is laid out by Typst, about seven times faster than
# WeasyPrint (projects.reports.renderers.typst_appendix); smaller ones look exactly as the page prints.
PORTFOLIO_PDF_TYPST_ROWS = int(os.environ.get("PORTFOLIO_PDF_TYPST_ROWS", "2000"))

# Early-warning rules (预警), following common district practice; the version is printed with
# every warning so a reader knows which rules produced it.
PORTFOLIO_WARNING_RULES = {
    "version": "2025.2",
    "yellow_behind_points": 10,  # yellow when 10-30 points behind 序时进度
    "red_behind_points": 30,  # red when more than 30 points behind
    "red_overdue_months": 3,  # red when a milestone is overdue by more than 3 months
    # Built (建成) and operating (投产运营) projects have done their investing: a completion rate
    # below 序时进度 is no lag there, so they are judged on their milestones alone.
    "milestones_only_statuses": ["completion", "maintenance"],
}

# Where the report the fixtures are drawn from is kept (provenance tests read it).
REPORT_SOURCE_PATH = BASE_DIR / "fixtures" / "source" / "baiyun-2025-h1-plan-report.txt"

# The monthly cycle (projects.closing, projects.reminders): a month's reports are due on this day of
# the following month; reminders go out this many days before the deadline and every day after it
# until the report is submitted.
PORTFOLIO_REPORT_DUE_DAY = int(os.environ.get("PORTFOLIO_REPORT_DUE_DAY", "5"))
PORTFOLIO_REMINDER_DAYS_BEFORE = int(os.environ.get("PORTFOLIO_REMINDER_DAYS_BEFORE", "3"))

# E-mail for notifications (reminders): printed to the console in development; production sets
# EMAIL_HOST and friends. Links in e-mails are made absolute with PORTFOLIO_SITE_URL.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
PORTFOLIO_SITE_URL = os.environ.get("PORTFOLIO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# Figures that ask the person entering them for a confirmation with a reason: a month above this
# share (percent) of the project's annual plan, or a year to date above its total investment.
PORTFOLIO_PLAUSIBILITY = {
    "month_share_of_plan": 50,
}

# Imports from spreadsheets (the project list, departments, editor accounts): the largest file
# accepted, and the most an .xlsx may unpack to (a sheet of many formatted empty rows is small
# zipped), in bytes. A 1,000-project list is about 100 KB zipped and 1 MB unpacked.
PORTFOLIO_IMPORT_MAX_BYTES = int(os.environ.get("PORTFOLIO_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024)))
