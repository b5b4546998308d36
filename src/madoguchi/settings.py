"""Madoguchi settings — every value comes from an environment variable with a safe default.

Two shapes run from the same settings:
- embedded (default): one process, SQLite, tasks run by an in-process worker thread;
- scale-out: several app processes, PostgreSQL (DATABASE_URL), Redis (REDIS_URL) for cache and
  task wake-ups, and `manage.py runworker` processes.

MADOGUCHI_ENV=production refuses unsafe settings (see ``_check_production``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = env("MADOGUCHI_ENV", "development")  # development | test | production
PRODUCTION = ENVIRONMENT == "production"

DEFAULT_SECRET_KEY = "madoguchi-insecure-development-key-change-me"
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

VAR_DIR = Path(env("MADOGUCHI_VAR_DIR", str(PROJECT_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # django-ninja as an app: /api/docs then loads its bundled Swagger files from static files
    # (the CSP allows no CDN and no inline script).
    "ninja",
    "leaflet",  # only its static files (Leaflet 1.9), for the open data map preview
    "madoguchi.core",
    "madoguchi.accounts",
    "madoguchi.web",
    "madoguchi.forms",
    "madoguchi.applications",
    "madoguchi.reservations",
    "madoguchi.alerts",
    "madoguchi.plans",
    "madoguchi.search",
    "madoguchi.payments",
    "madoguchi.opendata",
    "madoguchi.participation",
    "madoguchi.identity",
    "madoguchi.guide",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers that are the same for everyone (a month calendar), before sessions and accounts:
    # an opening rush reloads them thousands of times (core/publicread.py, issue #14).
    "madoguchi.core.publicread.PublicReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "madoguchi.core.twofactor.OTPMiddleware",  # django-otp's, with one lazy layer (core/twofactor.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "madoguchi.core.csp.CSPMiddleware",  # django-csp's, with the header built once (core/csp.py)
    "madoguchi.core.middleware.RequestContextMiddleware",
    "madoguchi.core.tenancy.TenantMiddleware",
    # After the city is known (keys and counters are per city); process_view, so the URL pattern
    # and the view's marks are known.
    "madoguchi.core.twofactor.SecondFactorGateMiddleware",
    "madoguchi.core.ratelimit.AnonymousWriteLimitMiddleware",
    "madoguchi.core.cachecontrol.NoStoreMiddleware",
    # The opening rush's waiting room (core/waitingroom.py): off unless WAITING_ROOM_INFLIGHT_THRESHOLD > 0.
    "madoguchi.core.waitingroom.WaitingRoomMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
WSGI_APPLICATION = "madoguchi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "madoguchi.core.context_processors.municipality",
                "madoguchi.web.menus.menus",
            ],
            "builtins": ["madoguchi.core.templatetags.wareki", "madoguchi.core.templatetags.links"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'madoguchi.sqlite3'}")
ALLOW_SQLITE_IN_PRODUCTION = env_bool("ALLOW_SQLITE_IN_PRODUCTION", False)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Row-level security (core.tenancy): a session starts as "no city, every row" ('*'); requests
    # and tasks narrow it to their city. A session without the setting sees nothing (fail closed).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c madoguchi.city=*"
    # Prepared statements: psycopg prepares a query after DB_PREPARE_THRESHOLD runs on a
    # connection, and PostgreSQL then skips parsing and planning it. Planning was most of the
    # database's CPU on the hot paths (a booking's availability query: 0.7 ms to plan, 0.2 ms to
    # run; with the row-level-security policies of every joined table more), so this is what
    # makes RLS affordable (bench/bench_request_cost.py prints the CPU per request). Needs
    # server-side parameter binding. Behind a transaction-mode pooler (PgBouncer < 1.21, or
    # without max_prepared_statements) set DB_PREPARE_THRESHOLD=0 to turn it off.
    _prepare = int(env("DB_PREPARE_THRESHOLD", "5"))
    if _prepare > 0:
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=_prepare)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout let the embedded worker thread and web requests share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache / Redis --------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "madoguchi.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Database cache: shared by every process, unlike LocMemCache (rate limits must be global).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "madoguchi_cache"}}

# --- Task queue (core.tasks) ----------------------------------------------------------------
# "embedded": an in-process worker thread drains the outbox; "redis": separate runworker
# processes, woken through Redis; "eager": run right after commit in the same thread (tests).
TASK_MODE = env("TASK_MODE", "redis" if REDIS_URL else "embedded")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["madoguchi.accounts.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
LOGIN_RATE_LIMIT = int(env("LOGIN_RATE_LIMIT", "5"))  # failures per account+address per window
LOGIN_RATE_WINDOW = int(env("LOGIN_RATE_WINDOW", "900"))  # seconds
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Madoguchi")
# core.ratelimit: every POST/PUT/PATCH/DELETE of a visitor not signed in, per address and URL
# pattern; and every endpoint that sends mail, per recipient and per address.
ANON_WRITE_RATE_LIMIT = int(env("ANON_WRITE_RATE_LIMIT", "60"))
ANON_WRITE_RATE_WINDOW = int(env("ANON_WRITE_RATE_WINDOW", "600"))  # seconds
MAIL_RATE_LIMIT = int(env("MAIL_RATE_LIMIT", "5"))  # mails per recipient per window
MAIL_IP_RATE_LIMIT = int(env("MAIL_IP_RATE_LIMIT", "30"))  # mail-sending requests per address per window
MAIL_RATE_WINDOW = int(env("MAIL_RATE_WINDOW", "3600"))  # seconds
# core.waitingroom (順番待ち): when more of one city's booking requests are in flight than this,
# signed-in arrivals queue and are admitted in order at WAITING_ROOM_ADMIT_PER_SECOND, each with a
# signed pass valid WAITING_ROOM_ADMISSION_MINUTES (renewed while used). 0 = off; size it from
# `make bench` (bench_rush_realistic.py prints what the servers sustain).
WAITING_ROOM_INFLIGHT_THRESHOLD = int(env("WAITING_ROOM_INFLIGHT_THRESHOLD", "0"))
WAITING_ROOM_ADMIT_PER_SECOND = float(env("WAITING_ROOM_ADMIT_PER_SECOND", "20"))
WAITING_ROOM_ADMISSION_MINUTES = int(env("WAITING_ROOM_ADMISSION_MINUTES", "10"))
# How long a reverse proxy may answer a public month calendar from its copy (s-maxage; browsers
# always revalidate): a booked frame can look free that long (reservations/availability.py).
RESERVATIONS_CALENDAR_MAX_AGE = int(env("RESERVATIONS_CALENDAR_MAX_AGE", "1"))

# --- Sessions, cookies, security headers ----------------------------------------------------
# Sessions live in the database; with Redis they are read through the cache (one query less on
# every signed-in request) and still written to the database, so a Redis restart logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "madoguchi.core.errors.csrf_failure"  # Japanese page offering to go back and retry
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
BEHIND_PROXY = env_bool("BEHIND_PROXY", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Reverse proxies in front of the app that append to X-Forwarded-For: the client's address (for
# the audit log and every rate limit) is the entry this many hops from the right. A wrong value
# lets anyone choose their address by sending X-Forwarded-For (rotating it defeats every
# per-address limit), so behind a proxy production requires it explicitly (_check_production).
TRUSTED_PROXY_HOPS_SET = "TRUSTED_PROXY_HOPS" in os.environ
TRUSTED_PROXY_HOPS = int(env("TRUSTED_PROXY_HOPS", "1" if BEHIND_PROXY else "0"))
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(60 * 60 * 8)))

# Map tiles of the open data map preview (opendata): 地理院タイル by default; the host is allowed
# as an image source below.
OPENDATA_MAP_TILES = env("OPENDATA_MAP_TILES", "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png")
OPENDATA_MAP_ATTRIBUTION = env("OPENDATA_MAP_ATTRIBUTION", "国土地理院")
_TILE_ORIGIN = "/".join(OPENDATA_MAP_TILES.split("/")[:3]) if OPENDATA_MAP_TILES.startswith("https://") else ""

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploads live outside the web root and are only served through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "madoguchi@city.example.lg.jp")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# New applications, resubmissions and residents' messages reach a section's 連絡先メール as one
# digest per this many minutes (one email per case would flood a busy section).
SECTION_DIGEST_MINUTES = int(env("SECTION_DIGEST_MINUTES", "5"))

# --- Logging: never a password or a マイナンバー (core.logging.RedactingFilter) ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "madoguchi.core.logging.RedactingFilter"}},
    # The handler's level too: Django's own loggers (django.request logs every 4xx, e.g. each
    # refused booking in a rush) propagate past the root's level.
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"], "level": env("LOG_LEVEL", "INFO")}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools log every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


def _check_production() -> None:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be off")
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        problems.append("SECRET_KEY must be set to a random value of 32+ characters")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not ALLOW_SQLITE_IN_PRODUCTION:
        problems.append("SQLite in production needs ALLOW_SQLITE_IN_PRODUCTION=1")
    if BEHIND_PROXY and not TRUSTED_PROXY_HOPS_SET:
        problems.append(
            "BEHIND_PROXY=1 needs TRUSTED_PROXY_HOPS set explicitly to the number of reverse proxies that append to "
            "X-Forwarded-For (0 if none does); a wrong count lets clients forge their address and escape every rate limit"
        )
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))


if PRODUCTION:
    _check_production()

# Serve static files from the apps' folders directly: no collectstatic step for the demo or tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
