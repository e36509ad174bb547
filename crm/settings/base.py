"""Settings shared by every environment.

This is the only module that reads the environment (through ``env``); dev, test and
production import it and override.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn ``postgres://user:pw@host:port/name?host=/socket`` into a DATABASES entry."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = unquote(parsed.hostname or "") or query.get("host", [""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or "") or query.get("user", [""])[0],
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or query.get("port", [""])[0] or ""),
        "CONN_MAX_AGE": int(env("DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {"NAME": env("TEST_DATABASE_NAME")},
    }


SECRET_KEY = env("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "js_lib_bootstrap5",
    "crm",
    "setup",
    "contacts",
    "interactions",
    "opportunities",
    "segments",
    "campaigns",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, not a CDN
    "api",
    "maillog",
    "sync",
]

MIDDLEWARE = [
    "crm.request_guard.RequestSizeGuardMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.upload_guard.UploadGuardMiddleware",
    "crm.request_guard.RequestGuardMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.context_processors.navigation",
            ],
        },
    },
]

# Django's renderer with the plain widget templates written in Python (crm/form_renderer.py).
FORM_RENDERER = "crm.form_renderer.FastWidgetRenderer"

DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm")
DATABASES = {"default": database_from_url(DATABASE_URL)}
if env("DATABASE_NAME"):  # a real worker started by a test points at the test database
    DATABASES["default"]["NAME"] = env("DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ModelBackend with the permission sets cached between requests (crm/auth_backends.py).
AUTHENTICATION_BACKENDS = ["crm.auth_backends.CachedModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Paris")
USE_I18N = True
# Numbers in the reader's format, grouped ("1 234 567,50" in French, "1,234,567.50" in
# English). Ids and other numbers that go into URLs or attributes use |unlocalize.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["crm.formats"]  # one date format per language (crm/formats/)
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
# A front proxy sends uploaded files after crm.media checked the permission (docs/operations.md).
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX", "")
MEDIA_SENDFILE_HEADER = env("MEDIA_SENDFILE_HEADER", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # a body without files (forms, API JSON)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_UPLOAD_SIZE = int(env("MAX_UPLOAD_SIZE", str(50 * 1024 * 1024)))
# A request whose Content-Length exceeds this is answered 413 before its body is read
# (crm.request_guard); the proxy in docker-compose.yml refuses larger bodies first.
MAX_REQUEST_BODY_SIZE = int(env("MAX_REQUEST_BODY_SIZE", str(MAX_UPLOAD_SIZE + 1024 * 1024)))
# crm/login_throttle.py: password spraying (one address, many usernames) and one username
# guessed from many addresses, besides the 5 failures of one username from one address.
LOGIN_THROTTLE_IP_FAILURES = int(env("LOGIN_THROTTLE_IP_FAILURES", "20"))
LOGIN_THROTTLE_USER_FAILURES = int(env("LOGIN_THROTTLE_USER_FAILURES", "30"))

# Content-Security-Policy (Django's middleware): scripts only from this site, never inline
# (templates declare behaviour with data-* attributes, static/js/crm.js acts on them). Styles
# keep 'unsafe-inline': Bootstrap components, htmx's indicator style, Tom Select and a few
# templates set inline styles; an inline style cannot run code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env("EMAIL_HOST", "127.0.0.1"),
            "port": int(env("EMAIL_PORT", "25")),
            "username": env("EMAIL_HOST_USER", ""),
            "password": env("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": 30,
        },
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "crm@example.com")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: JSON only, time limits, one message at a time, a separate queue for bulk work.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers(url: str) -> bool:
    """True when Redis answers PING at ``url`` (checked once, at start-up)."""
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def shared_cache(key_prefix: str) -> dict | None:
    """``CACHES`` on Redis (``CACHE_URL``, default ``REDIS_URL``) when it answers, else None.

    Used by production and the benchmarks: login throttling, permission sets, code tables
    and (with ``cached_db``) session reads shared by every process."""
    url = env("CACHE_URL", REDIS_URL)
    if not redis_answers(url):
        return None
    backend = "crm.redis_cache.RedisCache"  # one Redis client per pool, not per call
    return {"default": {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": key_prefix}}


CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Jobs that touch thousands to millions of rows go to the "bulk" queue, so a dedicated worker
# (docs/operations.md) keeps them from delaying interactive tasks (e-mail delivery, polls).
BULK_TASKS = [
    "sync.tasks.sync_all_task",
    "sync.tasks.sync_mapping_run",
    "sync.tasks.sync_couple_match",
    "campaigns.tasks.campaign_activate_task",
    "campaigns.tasks.campaign_entries_delete_canceled_task",
    "contacts.tasks.contact_duplicate_strings_generate_task",
    "contacts.tasks.contact_import_csv_task",
    "contacts.tasks.contact_import_from_business_system_task",
    "contacts.tasks.contact_person_ripple_task",
    "interactions.tasks.interactions_bulk_log_task",
    "interactions.tasks.interactions_delete_canceled_task",
    "segments.tasks.segment_apply_criteria_task",
    "segments.tasks.segment_log_task",
    "segments.tasks.logged_segments_delete_canceled_task",
    "segments.tasks.segment_opportunities_create_task",
    "segments.tasks.segment_integrity_check_task",
    "api.tasks.sales_history_import_csv_task",
]
CELERY_TASK_ROUTES = {name: {"queue": "bulk"} for name in BULK_TASKS}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict = {
    # SPEC 11.3: the task itself checks is_enabled / poll_interval_min and holds a lock.
    "email-logging-poll": {"task": "maillog.tasks.email_logging_poll_task", "schedule": 60.0},
    "api-housekeeping": {"task": "api.tasks.api_housekeeping_task", "schedule": 3600.0},
    # SYN-11: the task runs each enabled mapping whose interval has passed.
    "external-crm-sync": {"task": "sync.tasks.sync_scheduled", "schedule": 60.0},
    "external-crm-log-purge": {"task": "sync.tasks.sync_log_purge", "schedule": 86400.0},
    # A job whose worker was killed is sent again within minutes, not after the broker's
    # visibility timeout (an hour); see crm/jobs.py.
    "bulk-job-requeue-stale": {"task": "crm.tasks.bulk_job_requeue_stale_task", "schedule": 60.0},
    # Decision 0006: segment lines and history have no database FKs; report orphans daily.
    "segment-integrity-check": {
        "task": "segments.tasks.segment_integrity_check_task",
        "schedule": 86400.0,
    },
}
# A running job's worker writes its heartbeat this often; a job silent for longer than
# BULK_JOB_STALE_SECONDS is taken for lost and sent again.
BULK_JOB_HEARTBEAT_SECONDS = float(env("BULK_JOB_HEARTBEAT_SECONDS", "30"))
BULK_JOB_STALE_SECONDS = float(env("BULK_JOB_STALE_SECONDS", "300"))

# REST API (SPEC 12, docs/decisions/0003-rest-api.md).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiPermission"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Business-system and user API (SPEC 12). Authenticate with "
    "`Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and docs are pages like any other: a login (session or token) is needed.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # No page loads anything from another origin: Swagger UI and Redoc come from the pinned
    # drf-spectacular-sidecar package, and Swagger UI's online validator badge is off.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
