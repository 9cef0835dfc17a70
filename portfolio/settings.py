"""Settings of the portfolio platform, read from the environment.

Development needs nothing set: DEBUG is on, the database is an SQLite file in var/ and a fixed
development key is used. With DEBUG off the secrets must be given, or start-up fails loudly.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "portfolio",
    "projects",
    "indicators",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portfolio.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portfolio.middleware.MalformedFormDataMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login protection by django-axes: after 5 failed attempts for a username from one address the
# login is refused for 30 minutes (pages, admin and API session login alike).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Authorisation: user.has_perm() is the policy's answer (the role groups carry no permissions).
    "portfolio.policy.PolicyBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

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
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []

# Files users upload and the platform generates (report files rendered in the background): a local
# directory by default, kept by the backup (manage.py backup).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# A history row's reason is the user's text (a month's reopening, an import's file name): a text column,
# not django-simple-history's default varchar(100), which PostgreSQL refuses to overflow.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
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
}
SPECTACULAR_SETTINGS = {
    "TITLE": "白云区重点项目管理平台 API",
    "DESCRIPTION": "Baiyun District key-project portfolio API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# The district the platform serves, as its documents and file names name it.
PORTFOLIO_DISTRICT = os.environ.get("PORTFOLIO_DISTRICT", "白云区")
# The unit that issues the reports and letters: the signature block of every document.
PORTFOLIO_ISSUING_UNIT = os.environ.get("PORTFOLIO_ISSUING_UNIT", "广州市白云区发展和改革局")

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

# Long PDF reports lay out their appendix in a worker process while the rest is laid out here
# (projects.reports.renderers.pdf); off: everything in the request's process.
PORTFOLIO_PDF_WORKER = env_bool("PORTFOLIO_PDF_WORKER", True)

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
