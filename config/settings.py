"""Kontaktpflege settings: one file, driven by KP_-prefixed environment variables."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kontaktpflege.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)


def _local_secret_key() -> str:
    """A random key kept in var/ for a local install; servers set KP_SECRET_KEY instead."""
    path = BASE_DIR / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", "") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "kontaktpflege.core",
    "kontaktpflege.accounts",
    "kontaktpflege.contacts",
    "kontaktpflege.touchpoints",
    "kontaktpflege.followups",
    "kontaktpflege.messaging",
    "kontaktpflege.network",
    "kontaktpflege.applications",
    "kontaktpflege.recruiting",
    "kontaktpflege.privacy",
    "kontaktpflege.dataio",
    "kontaktpflege.web",
    "kontaktpflege.api",
    "kontaktpflege.bench",
]

MIDDLEWARE = [
    "kontaktpflege.web.views.health.HealthEndpointMiddleware",
    "kontaktpflege.core.routing.ReplicaStickinessMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kontaktpflege.accounts.middleware.WorkspaceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kontaktpflege.web.context.navigation",
            ],
        },
    },
]

# Database: SQLite by default (WAL, busy timeout, IMMEDIATE transactions), PostgreSQL via URL.
DATABASE_URL = env_str("DATABASE_URL", "")
SQLITE_BUSY_TIMEOUT = env_int("SQLITE_BUSY_TIMEOUT", 20)  # seconds a writer waits for the lock
if DATABASE_URL:
    # Persistent connections, checked before each request reuses one: a connection that a
    # restarted PostgreSQL dropped is opened again instead of failing the request.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # The planner's default (4) prices a row fetched by primary key as a disk seek; with the
    # data in memory or on SSD it then scanned a whole workspace to join 856 tagged people
    # (the people list by tag: 25 → 12 ms at M). Empty leaves the server's setting (e.g.
    # behind a pooler that refuses the `options` startup parameter).
    RANDOM_PAGE_COST = env_str("DATABASE_RANDOM_PAGE_COST", "1.1")
    # No parallel index scans (only indexes larger than this are scanned in parallel): a
    # parallel walk of the name index for the people list by tag at 1M started late and read
    # ahead, 200 ms instead of 12. Parallel bitmap scans (the trigram search) stay.
    # Empty leaves the server's setting.
    PARALLEL_INDEX_SCAN_FROM = env_str("DATABASE_MIN_PARALLEL_INDEX_SCAN_SIZE", "64GB")
    _options = [f"-c random_page_cost={float(RANDOM_PAGE_COST)}"] if RANDOM_PAGE_COST else []
    if PARALLEL_INDEX_SCAN_FROM:
        _options.append(f"-c min_parallel_index_scan_size={PARALLEL_INDEX_SCAN_FROM}")
    if _options:
        DATABASES["default"]["OPTIONS"].setdefault("options", " ".join(_options))
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "kontaktpflege.sqlite3")),
            # Kept open across requests (per server thread). Opening one per request cost
            # more than a small page: the PRAGMAs, parsing the whole schema again, and, as
            # the last connection closed, a WAL checkpoint with the -wal and -shm files
            # deleted and created anew on every GET.
            "CONN_MAX_AGE": env_int("SQLITE_CONN_MAX_AGE", 600),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_TIMEOUT,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000};"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-64000;"
                    "PRAGMA mmap_size=268435456;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }

# PostgreSQL: the person page's read (web/fragments.py) is a prepared statement on each
# connection, planned once instead of on every view (1.5 of its 2.5 ms at M). A pooler in
# transaction mode (pgbouncer) cannot keep SQL-level prepared statements: there set it off.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)

# A read replica (PostgreSQL streaming replica): page views read from it, writes and the
# worker use the primary, and a user who just wrote reads from the primary for
# REPLICA_STICKY_SECONDS (kontaktpflege.core.routing), so they see their own write.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 5)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["kontaktpflege.core.routing.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Django's model backend that loads the user's membership in the same read (accounts/backends.py)
AUTHENTICATION_BACKENDS = ["kontaktpflege.accounts.backends.MemberBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Throttling and sign-up (issue #8). django-ratelimit counts in the default cache: local
# memory counts per process, which is right for the default single web process; a deployment
# with several web processes sets KP_CACHE_URL=redis://127.0.0.1:6379/0 so all share counts.
# The same cache holds the person pages' bodies (web/views/people.py): in local memory, up to
# CACHE_MAX_ENTRIES per process (Django's default of 300 kept only the last few hundred pages
# looked at); when full it drops the least recently used third.
CACHE_URL = env_str("CACHE_URL", "")
CACHE_MAX_ENTRIES = max(env_int("CACHE_MAX_ENTRIES", 3000), 1)
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kp",
            "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
        }
    )
}
# Sessions: in the database, read through the shared cache when there is one (Redis): a
# logged-in request then reads its session without a query. Logging out deletes the row and
# the cache entry, so it takes effect in every process. A per-process cache (local memory)
# would keep a logged-out session alive in the other processes: then the database alone.
# Django's stores, reading the session with one statement written once (accounts/sessions.py).
SESSION_ENGINE = (
    "kontaktpflege.accounts.session_cached_db" if CACHE_URL else "kontaktpflege.accounts.sessions"
)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "kontaktpflege.accounts.throttle.client_ip"
# Behind a proxy, the header that carries the client's address (e.g. HTTP_X_REAL_IP).
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")
# Rates as "<count>/<window>": log-in and API counts are failures, the others submissions.
THROTTLE_LOGIN_ACCOUNT = env_str("THROTTLE_LOGIN_ACCOUNT", "10/15m")
THROTTLE_LOGIN_IP = env_str("THROTTLE_LOGIN_IP", "30/15m")
THROTTLE_SIGNUP_IP = env_str("THROTTLE_SIGNUP_IP", "10/h")
THROTTLE_SIGNUP_EMAIL = env_str("THROTTLE_SIGNUP_EMAIL", "5/h")
THROTTLE_RESET_IP = env_str("THROTTLE_RESET_IP", "10/h")
THROTTLE_RESET_EMAIL = env_str("THROTTLE_RESET_EMAIL", "3/h")
THROTTLE_API_TOKEN_IP = env_str("THROTTLE_API_TOKEN_IP", "30/15m")
# The public talent-pool sign-up (each submission sends a double opt-in mail).
THROTTLE_POOL_SIGNUP_IP = env_str("THROTTLE_POOL_SIGNUP_IP", "10/h")
THROTTLE_POOL_SIGNUP_EMAIL = env_str("THROTTLE_POOL_SIGNUP_EMAIL", "3/h")
# New accounts wait for a staff member's approval (Django admin, Users: "Approve") first.
SIGNUP_APPROVAL = env_bool("SIGNUP_APPROVAL", False)

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
DEFAULT_USER_TIME_ZONE = env_str("DEFAULT_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"

# Uploads: a clear limit instead of an exhausted machine.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# Contact imports: files above this size are refused before they are parsed.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE)

# Mail: a local SMTP server by default; nothing leaves the machine unless configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
NOTIFY_ALLOW_PRIVATE_HOSTS = env_bool("NOTIFY_ALLOW_PRIVATE_HOSTS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kontaktpflege <kontaktpflege@localhost>")

# Background work: Django's Tasks API. The database is the queue on one machine
# (KP_TASKS_BACKEND=db, the default); KP_TASKS_BACKEND=rq puts the tasks in Redis
# (django-tasks-rq, KP_REDIS_URL) for several machines and any number of workers.
TASKS_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = env_str("TASKS_BACKEND", "db")
# The daily roll has a queue of its own so that it never holds up sending (run_worker
# --queue-name roll / --exclude-queues roll split them between workers).
TASKS = {
    "default": {
        "BACKEND": TASKS_BACKENDS.get(_tasks_backend, _tasks_backend),
        "QUEUES": ["default", "roll"],
    }
}
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS_USE_RQ = TASKS["default"]["BACKEND"] == TASKS_BACKENDS["rq"]
if TASKS_USE_RQ:
    INSTALLED_APPS.append("django_rq")
# An import task whose worker stopped reporting progress for this long (killed, machine
# lost) is started again; the import matches rows it already wrote, so none doubles.
IMPORT_STALE_AFTER = env_int("IMPORT_STALE_AFTER", 600)
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL,
        "DEFAULT_TIMEOUT": env_int("TASK_TIMEOUT", 6 * 3600),
        "SOCKET_CONNECT_TIMEOUT": 2,
    }
}
RQ_QUEUES["roll"] = RQ_QUEUES["default"]
# The worker's scheduler ticks every SCHEDULER_INTERVAL seconds (one worker per interval) and
# enqueues PERIODIC_TASKS; the outbox takes over a message a worker has held (or left queued)
# for OUTBOX_STALE_AFTER seconds; members see a warning when a task has waited
# WORKER_WARN_AFTER seconds or no worker has reported for three scheduler intervals.
SCHEDULER_INTERVAL = env_int("SCHEDULER_INTERVAL", 60)
PERIODIC_TASKS = [
    "kontaktpflege.followups.tasks.digest_dispatch",
    "kontaktpflege.messaging.tasks.outbox_recover",
    "kontaktpflege.recruiting.rejection_tasks.rejections_send_due_task",
    "kontaktpflege.privacy.tasks.privacy_dispatch",
    "kontaktpflege.privacy.retention_tasks.retention_dispatch",
    "kontaktpflege.privacy.campaign_tasks.campaigns_dispatch",
    "kontaktpflege.network.tasks.graph_snapshots_tidy",
    "kontaktpflege.dataio.tasks.import_recover",
]
OUTBOX_STALE_AFTER = env_int("OUTBOX_STALE_AFTER", 600)
# Claims of one message, counting retries after a temporary refusal and claims a worker died
# holding before DATA; after the last one the message ends "failed" with the last reason.
OUTBOX_MAX_ATTEMPTS = max(env_int("OUTBOX_MAX_ATTEMPTS", 5), 1)
# Processes of a full follow-up recompute of a large workspace on PostgreSQL; 0: one per core.
RECOMPUTE_PROCESSES = env_int("RECOMPUTE_PROCESSES", 0)
# Rejected candidates without talent-pool consent are anonymised this long after the rejection.
RETENTION_MONTHS = env_int("RETENTION_MONTHS", 6)
# Warm introductions: a workspace with more people than this gets its graph built by the
# worker (a snapshot file per graph version in GRAPH_DIR, loaded by web processes).
GRAPH_IN_REQUEST_PEOPLE = env_int("GRAPH_IN_REQUEST_PEOPLE", 5000)
GRAPH_DIR = env_str("GRAPH_DIR", str(BASE_DIR / "var" / "graphs"))
# A request waits at most this long for a web process to load a snapshot (a background
# thread); after that the page says the introductions are being prepared.
GRAPH_LOAD_WAIT_MS = env_int("GRAPH_LOAD_WAIT_MS", 200)
WORKER_WARN_AFTER = env_int("WORKER_WARN_AFTER", 300)

# Behind HTTPS (a proxy terminating TLS): KP_HTTPS=true secures cookies and sends HSTS.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if HTTPS else 0)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A team server may close open sign-up; invitations still work.
ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, so
# no inline <script>, on*= handler or style attribute runs; htmx is configured (meta tag in
# base.html) to need neither eval nor an injected <style>. data: images are Bootstrap's SVG
# icons inside its CSS. The API docs (Swagger UI) live under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs go to stderr; KP_LOG_FORMAT=json writes one JSON object per line (time, level,
# logger, message, process, exception) for a log collector.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "kontaktpflege.core.logs.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
