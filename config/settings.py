"""Settings, all from the environment (see `.env.example`)."""

import copy
import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.connection import parse_url as parse_redis_url
from redis.exceptions import ConnectionError as RedisConnectionError

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

# Every tenant is served at <slug>.<BASE_DOMAIN>; BASE_DOMAIN itself and API_HOST serve the public
# schema (signup, agency console, and the shared API host where the tenant comes from the API key
# or the X-Tenant header).
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost")
API_HOST = os.environ.get("API_HOST", f"api.{BASE_DOMAIN}")
# Agencies bring their own white-label domains, so the Domain table is the real allow-list:
# `tenants.middleware` answers 404 for any host it does not hold.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")

SHARED_APPS = [
    "django_tenants",
    "config.apps.PlatformConfig",
    "tenants",
    "accounts",
    "billing",
    "notifications",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "config.apps.PlatformAdminConfig",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    # Swagger UI's assets, served by us: /api/docs/ works offline and loads nothing from a CDN.
    "drf_spectacular_sidecar",
    "django_filters",
    "corsheaders",
    "channels",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "agents",
    "contacts",
    "calls",
    "campaigns",
    "scheduling",
    "compliance",
    "webhooks",
]
# `agencies` (the agency's API over its clients), `dashboard` (the staff's web pages) and `demo` (the demo tenant's
# seed command) have no tables: they sit on top.
INSTALLED_APPS = (
    ["daphne"]
    + SHARED_APPS
    + [app for app in TENANT_APPS if app not in SHARED_APPS]
    + ["agencies", "dashboard", "demo"]
)

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New tenants are built from the models plus this migrated template schema's rows instead of running
# every migration (`tenants/schema_builder.py`); `manage.py migrate_platform` keeps it up to date.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_SUBPROCESS_PARALLEL = 2
# `SET search_path` only when a connection changes tenant, not before every query: half the round trips of
# a live call's database work. django-tenants resets it on rollback, where PostgreSQL undoes a `SET`.
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "config.metrics.HttpMetricsMiddleware",
    "config.middleware.RequestIdMiddleware",
    "config.audit.AuditOriginMiddleware",
    "config.logs.LogContextMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "config.middleware.NulCharacterMiddleware",
    "tenants.middleware.TenantMiddleware",
    "config.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "dashboard.context_processors.branding",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voiceagents")
# Never CONN_MAX_AGE > 0: under ASGI every request runs on a thread of its own, and each one's connection stayed open
# after the thread was gone, until the server had used up PostgreSQL's max_connections. Connections come from a
# bounded pool per process instead (DB_POOL_* below the live-call threads, which size it).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Each kind of process names itself (web, media, worker, beat) so pg_stat_activity tells their connections apart.
DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = os.environ.get(
    "DB_APPLICATION_NAME", "voiceagents"
)
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Every key the platform writes to Redis starts with this (config.redis.redis_key, the cache's KEY_PREFIX), so
# several deployments can share one server.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "")
# How long connecting to Redis (or to a sentinel) may take before it counts as down (seconds): without a limit, an
# unreachable host held a request, a health check or a live call's cache read for as long as the kernel kept trying.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", 2))
# Redis Sentinel: with REDIS_SENTINELS (host:port, comma-separated) and REDIS_SENTINEL_MASTER (the monitored master's
# name), every Redis client (the cache, Celery's broker, the channel layer, config.redis.get_redis) asks the sentinels
# where the master is and follows a failover. REDIS_URL then gives only the database number and credentials; its
# host is not used. REDIS_SENTINEL_PASSWORD: the sentinels' own password, if they have one.
REDIS_SENTINELS = [
    (host, int(port)) for host, _, port in (entry.rpartition(":") for entry in env_list("REDIS_SENTINELS"))
]
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "")
if bool(REDIS_SENTINELS) != bool(REDIS_SENTINEL_MASTER):
    raise ImproperlyConfigured("REDIS_SENTINELS and REDIS_SENTINEL_MASTER are set together or not at all.")
REDIS_SENTINEL_CONNECTION = {
    key: value for key, value in parse_redis_url(REDIS_URL).items() if key in {"db", "username", "password"}
}
REDIS_SENTINEL_KWARGS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_CONNECT_TIMEOUT,
    **({"password": os.environ["REDIS_SENTINEL_PASSWORD"]} if os.environ.get("REDIS_SENTINEL_PASSWORD") else {}),
}
CACHES = {
    "default": {
        "BACKEND": "config.redis.SentinelRedisCache"
        if REDIS_SENTINELS
        else "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
        # Cache keys carry the schema so one tenant never reads another's cached value.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
# After Redis restarts, the layer's pooled connections are dead: redis-py's asyncio client retries a command on a
# fresh connection only for the errors named here (by default none, and the first message after a restart was lost).
# Its Retry also retries timeouts unless told otherwise, and a cancelled blocking receive (a control listener
# stopping) surfaces as one: it then waited out three more receive timeouts (20.8 s) before it stopped.
CHANNEL_LAYER_CONNECTION = {
    "retry_on_error": [RedisConnectionError],
    "retry": RedisRetry(ExponentialBackoff(cap=1.0, base=0.05), retries=3, supported_errors=(RedisConnectionError,)),
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "master_name": REDIS_SENTINEL_MASTER,
                    "sentinels": REDIS_SENTINELS,
                    "sentinel_kwargs": REDIS_SENTINEL_KWARGS,
                    **REDIS_SENTINEL_CONNECTION,
                    **CHANNEL_LAYER_CONNECTION,
                }
                if REDIS_SENTINELS
                else {"address": REDIS_URL, **CHANNEL_LAYER_CONNECTION}
            ],
            "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi"),
        },
    }
}


def sentinel_broker_url() -> str:
    """Kombu's form for Sentinel: a `sentinel://` URL per sentinel; the first one's credentials and database are the
    master's."""
    auth = ""
    if REDIS_SENTINEL_CONNECTION.get("password"):
        username = quote(REDIS_SENTINEL_CONNECTION.get("username") or "", safe="")
        auth = f"{username}:{quote(REDIS_SENTINEL_CONNECTION['password'], safe='')}@"
    database = REDIS_SENTINEL_CONNECTION.get("db", 0)
    return ";".join(f"sentinel://{auth}{host}:{port}/{database}" for host, port in REDIS_SENTINELS)


# A broker URL of its own (CELERY_BROKER_URL) is used as given; otherwise Celery uses REDIS_URL's Redis, through the
# sentinels when they are set.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (sentinel_broker_url() if REDIS_SENTINELS else REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"master_name": REDIS_SENTINEL_MASTER, "sentinel_kwargs": REDIS_SENTINEL_KWARGS} if REDIS_SENTINELS else {}
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "default")
CELERY_BEAT_SCHEDULER = "tenant_schemas_celery.scheduler:TenantAwareScheduler"
CELERY_BEAT_SCHEDULE = {}
# A queue per kind of job, so each scales on its own and a backlog of one (a receiver that times out, a large
# knowledge file) never delays another (docker/compose.yaml runs a worker per queue: `-Q <queue>`). The rest goes to
# the default queue. A worker started without -Q consumes every queue below (one worker is enough on one machine).
CELERY_TASK_ROUTES = {
    "campaigns.*": {"queue": "dialer"},
    "calls.analyse_call": {"queue": "analysis"},
    "agents.index_knowledge_file": {"queue": "indexing"},
    "webhooks.*": {"queue": "webhooks"},
    "notifications.*": {"queue": "email"},
}
CELERY_TASK_QUEUES = [
    Queue(name)
    for name in dict.fromkeys([CELERY_TASK_DEFAULT_QUEUE, *(r["queue"] for r in CELERY_TASK_ROUTES.values())])
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "dashboard:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MixedCharacterValidator"},
]
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 3600))
INVITATION_TTL = timedelta(days=7)
# How authenticator apps name the account of a user who enrols in two-factor sign-in.
# How long an appointment's cancel/reschedule link works (it also stops once the appointment starts or is cancelled).
ATTENDEE_LINK_MAX_AGE = int(os.environ.get("ATTENDEE_LINK_MAX_AGE", 30 * 24 * 3600))
# The platform's own name, where no tenant's brand applies (emails about a user's account).
PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "Voice Agents")
TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", PLATFORM_NAME)
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 60

# Rate limits (config/ratelimit.py), each a list of (requests, seconds) over a sliding window. "api": every /api/
# request but provider webhooks, per API key, else per user, else per client IP; a plan may set its own
# (billing Plan.api_requests_per_minute / _per_hour). The others: sign-up and password reset per client IP (the
# reset request also per email address).
RATE_LIMITS = {
    "api": [
        (int(os.environ.get("RATELIMIT_PER_MINUTE", 60)), 60),
        (int(os.environ.get("RATELIMIT_PER_HOUR", 1000)), 3600),
    ],
    "signup": [(5, 3600)],
    "password_reset": [(5, 3600)],
    "password_reset_confirm": [(10, 900)],
}
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_EXEMPT_PATHS = ["/api/webhooks/"]  # Twilio, Stripe, Calendly: their retries must never meet a 429
RATELIMIT_CALLER = "accounts.authentication.rate_limit_caller"
RATELIMIT_PLAN_LIMITS = "billing.selectors.api_rate_limits"
RATELIMIT_PLAN_CACHE_SECONDS = 30
# Proxies (load balancers, TLS terminators) in front of the web servers, IPs or CIDRs: only from them are
# X-Forwarded-For (the client's IP, for rate limits and login throttling) and X-Forwarded-Proto/Host believed.
# TWILIO_TRUSTED_PROXIES, the older name, is read when this is not set.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES") or env_list("TWILIO_TRUSTED_PROXIES")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Call recordings and data-subject exports: never served as static files, only through authorised views. Local
    # disk by default; S3-compatible object storage with django-storages, e.g.
    # RECORDINGS_STORAGE_BACKEND=storages.backends.s3.S3Storage and its OPTIONS as JSON in *_STORAGE_OPTIONS.
    "recordings": {
        "BACKEND": os.environ.get("RECORDINGS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(
            os.environ.get("RECORDINGS_STORAGE_OPTIONS", "")
            or json.dumps({"location": str(BASE_DIR / "var" / "recordings")})
        ),
    },
    "exports": {
        "BACKEND": os.environ.get("EXPORTS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(
            os.environ.get("EXPORTS_STORAGE_OPTIONS", "") or json.dumps({"location": str(BASE_DIR / "var" / "exports")})
        ),
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"no-reply@{BASE_DOMAIN}")
FRONTEND_URL = os.environ.get("FRONTEND_URL", f"http://{BASE_DOMAIN}:8000")
# The platform's own name: on its own pages and emails only; an agency's clients see the agency's brand (tenants.branding).
PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "Voice Agents")
# How long the email-verification link sent at sign-up works.
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=int(os.environ.get("EMAIL_VERIFICATION_MAX_AGE_DAYS", 7)))

# Fernet keys for secrets at rest (provider credentials, Twilio tokens); the first encrypts, all
# decrypt, so keys rotate by prepending a new one.
FERNET_KEYS = env_list("FERNET_KEYS")

# Request body cap (knowledge-base uploads are the largest legitimate bodies).
MAX_REQUEST_BODY_BYTES = int(os.environ.get("MAX_REQUEST_BODY_BYTES", 50 * 1024 * 1024))
# Uploaded logos (tenants.logos): PNG, JPEG or WebP within these.
LOGO_MAX_BYTES = int(os.environ.get("LOGO_MAX_BYTES", 256 * 1024))
LOGO_MAX_PIXELS = int(os.environ.get("LOGO_MAX_PIXELS", 2000 * 2000))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024))

# Knowledge-base files (agents/knowledge): what one upload may expand to, and the memory and time its text
# extraction gets in a child process. KNOWLEDGE_FILE_LIMITS (JSON) overrides any default; a plan overrides any
# of them by its slug in KNOWLEDGE_FILE_LIMITS_BY_PLAN (JSON: {"enterprise": {"max_pdf_pages": 2000}}).
KNOWLEDGE_FILE_LIMITS = {
    "max_uncompressed_bytes": 30 * 1024 * 1024,
    "max_zip_entries": 2_000,
    "max_compression_ratio": 100,
    "max_pdf_pages": 500,
    "max_text_chars": 5_000_000,
    "extraction_memory_bytes": 512 * 1024 * 1024,
    "extraction_seconds": 60,
    **json.loads(os.environ.get("KNOWLEDGE_FILE_LIMITS") or "{}"),
}
KNOWLEDGE_FILE_LIMITS_BY_PLAN = json.loads(os.environ.get("KNOWLEDGE_FILE_LIMITS_BY_PLAN") or "{}")

# Twilio: the REST API base (overridable for a regional edge or a test double), the public base URL
# Twilio calls back (webhooks, media streams), and the proxies trusted to set X-Forwarded-Proto/Host
# when the signed URL of a webhook is rebuilt (TRUSTED_PROXIES).
TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL", "https://api.twilio.com")
TWILIO_WEBHOOK_BASE_URL = os.environ.get("TWILIO_WEBHOOK_BASE_URL", f"https://{API_HOST}")
TWILIO_TRUSTED_PROXIES = TRUSTED_PROXIES
TWILIO_HTTP_TIMEOUT = float(os.environ.get("TWILIO_HTTP_TIMEOUT", 10))
# The media-stream WebSocket upgrade must carry Twilio's X-Twilio-Signature (off only for local experiments).
TWILIO_VALIDATE_WEBSOCKET = env_bool("TWILIO_VALIDATE_WEBSOCKET", True)
# Billing: a new tenant tries the default plan for BILLING_TRIAL_DAYS; after a failed payment, outbound calling goes
# on for BILLING_PAYMENT_GRACE_DAYS, then the tenant is limited to inbound calls until Stripe reports it paid.
BILLING_TRIAL_DAYS = int(os.environ.get("BILLING_TRIAL_DAYS", 14))
BILLING_PAYMENT_GRACE_DAYS = int(os.environ.get("BILLING_PAYMENT_GRACE_DAYS", 7))
# Stripe: the secret API key, the webhook endpoint's signing secret and how old a signed event may be, the API base
# (overridable for a test double: the SDK's `base_addresses`), and where Checkout and the Customer Portal return to.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300))
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_CURRENCY = os.environ.get("STRIPE_CURRENCY", "usd")
STRIPE_RETURN_URL = os.environ.get("STRIPE_RETURN_URL", f"https://app.{BASE_DOMAIN}/billing")
# What providers charge us, for each call's cost breakdown (billing.costs), as JSON: {"telephony": {"twilio": price
# per minute}, "stt": {provider: per minute}, "llm": {provider: per 1,000 tokens}, "tts": {provider: per 1,000
# characters}}. A provider left out is shown as unpriced.
CALL_COST_PRICES = json.loads(os.environ.get("CALL_COST_PRICES") or "{}")
# The event name of the Stripe meter that counts billable call minutes (one meter event per call).
STRIPE_METER_EVENT_NAME = os.environ.get("STRIPE_METER_EVENT_NAME", "call_minutes")
# The meter of an agency's clients' minutes, billed to the agency at its plan's client minute price.
STRIPE_CLIENT_METER_EVENT_NAME = os.environ.get("STRIPE_CLIENT_METER_EVENT_NAME", "client_minutes")

# Where Twilio opens media streams: the media process (`python -m config.media_server`), e.g.
# wss://media.example.com or, on one machine, ws://127.0.0.1:8001. Empty: the host Twilio reached the voice
# webhook at, whose reverse proxy then routes /ws/twilio/media/ to the media process.
MEDIA_STREAM_BASE_URL = os.environ.get("MEDIA_STREAM_BASE_URL", "")

# Data subjects' rights (compliance/privacy.py): how long an export's download link works, and the secret an erased
# number's hash is salted with (changing it would let erased opted-out numbers be called again).
DATA_EXPORT_TTL = timedelta(hours=int(os.environ.get("DATA_EXPORT_TTL_HOURS", 24)))
ERASURE_HASH_SALT = os.environ.get("ERASURE_HASH_SALT") or SECRET_KEY
CELERY_BEAT_SCHEDULE["compliance-retention"] = {
    "task": "compliance.apply_retention",
    "schedule": 3600.0,  # no tenant_schemas: every tenant
    "options": {"expires": 3000},
}

# A tenant its owner closed is suspended at once and deleted with all its data after this grace period.
TENANT_CLOSE_GRACE = timedelta(days=int(os.environ.get("TENANT_CLOSE_GRACE_DAYS", 30)))
CELERY_BEAT_SCHEDULE["tenants-delete-closed"] = {
    "task": "tenants.delete_closed_tenants",
    "schedule": 3600.0,
    "options": {"expires": 3000, "tenant_schemas": ["public"]},
}

# Custom domains serve once a TXT record `<DOMAIN_VERIFICATION_PREFIX>.<domain>` holds the domain's token; a task
# checks pending domains every few minutes for DOMAIN_VERIFICATION_DAYS. Nameservers: `host:port`, blank: the system's.
DOMAIN_VERIFICATION_PREFIX = os.environ.get("DOMAIN_VERIFICATION_PREFIX", "_domain-verification")
DOMAIN_VERIFICATION_DAYS = int(os.environ.get("DOMAIN_VERIFICATION_DAYS", 7))
DOMAIN_VERIFICATION_NAMESERVERS = env_list("DOMAIN_VERIFICATION_NAMESERVERS", "")
CELERY_BEAT_SCHEDULE["tenants-verify-domains"] = {
    "task": "tenants.verify_pending_domains",
    "schedule": 300.0,
    "options": {"expires": 280, "tenant_schemas": ["public"]},
}

# Hosts of the operator's own recording storage: besides Twilio's API hosts, the only places a call's recording
# may be fetched from or redirected to (calls/recordings.py).
RECORDING_STORAGE_HOSTS = env_list("RECORDING_STORAGE_HOSTS", "")

# Live calls: the longest a call may last, how long the caller may stay silent before the agent
# re-prompts (and, after the agent's `max_silence_prompts`, hangs up), and the threads that run
# providers and the engine off the event loop.
CALL_MAX_DURATION_SECONDS = int(os.environ.get("CALL_MAX_DURATION_SECONDS", 30 * 60))
CALL_SILENCE_TIMEOUT_MS = int(os.environ.get("CALL_SILENCE_TIMEOUT_MS", 6000))
CALL_MEDIA_THREADS = int(os.environ.get("CALL_MEDIA_THREADS", 16))
CALL_SET_UP_THREADS = int(os.environ.get("CALL_SET_UP_THREADS", 4))
CALL_RECORD_THREADS = int(os.environ.get("CALL_RECORD_THREADS", 1))
# Offline Whisper (agents/providers/whisper.py): by default the English tiny model installed with the platform;
# another CTranslate2 Whisper model directory (base.en, small.en) needs the sha256 of its model.bin. WORKERS is
# how many transcriptions run at once per process, each on one CPU thread.
STT_WHISPER_MODEL_DIR = os.environ.get("STT_WHISPER_MODEL_DIR", "")
STT_WHISPER_MODEL_SHA256 = os.environ.get("STT_WHISPER_MODEL_SHA256", "")
STT_WHISPER_WORKERS = int(os.environ.get("STT_WHISPER_WORKERS", min(4, os.cpu_count() or 1)))
# Festival processes (agents/providers/festival.py) each media process may run at once, about 300 MB each.
TTS_FESTIVAL_PROCESSES = int(os.environ.get("TTS_FESTIVAL_PROCESSES", min(2, os.cpu_count() or 1)))
# Model files come from installed packages only; nothing may reach for a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# A live call that never gets its media or a final status would hold a line forever: beat ends calls still
# queued/ringing this long after they were made, and calls in progress past their longest length plus a margin
# (calls/services/reaper.py).
CALL_SETUP_TIMEOUT_SECONDS = int(os.environ.get("CALL_SETUP_TIMEOUT_SECONDS", 10 * 60))
CALL_REAP_MARGIN_SECONDS = int(os.environ.get("CALL_REAP_MARGIN_SECONDS", 2 * 60))
CELERY_BEAT_SCHEDULE["calls-reap-stale"] = {
    "task": "calls.reap_stale_calls",
    "schedule": 60.0,
    "options": {"expires": 50},  # no tenant_schemas: every tenant
}
# Database connections: Django's psycopg pool, one per process. A request, a consumer's database call or a task
# takes a connection for its duration and gives it back; a process never holds more than DB_POOL_MAX_SIZE (the
# README's Production section sizes PostgreSQL's max_connections from it). Each thread of the live-call pools above
# keeps the connection of its last task until its next one, so the default leaves one for each of them and a few
# for requests and Channels' database thread. DB_POOL_MAX_SIZE=0: no pool, a new connection for every request.
DB_POOL_MAX_SIZE = int(
    os.environ.get("DB_POOL_MAX_SIZE", CALL_MEDIA_THREADS + CALL_SET_UP_THREADS + CALL_RECORD_THREADS + 4)
)
if DB_POOL_MAX_SIZE:
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", 0)),
        "max_size": DB_POOL_MAX_SIZE,
        # How long a request waits for a connection when all are in use (then it fails), and how long a connection
        # stays unused before it is closed (one per such period, down to min_size).
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", 10)),
        "max_idle": float(os.environ.get("DB_POOL_MAX_IDLE", 60)),
    }
    # The pool checks a connection before handing it out (an empty query, one round trip): after PostgreSQL restarts
    # or fails over, its connections are dead, and without the check the next request on each would fail.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica of the database (PostgreSQL's own, or the provider's), for analytics: the analytics endpoints,
# the dashboard's charts, GET /api/admin/metrics and agencies' roll-ups read from it (config/databases.py), everything
# else (and every write) from the primary. Same pool settings as the primary, from its own pool. Unset: all on default.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = copy.deepcopy(DATABASES["default"]) | {
        key: value
        for key, value in dj_database_url.parse(DATABASE_REPLICA_URL).items()
        if key in {"NAME", "USER", "PASSWORD", "HOST", "PORT"}
    }
ANALYTICS_DATABASE = "replica" if DATABASE_REPLICA_URL else "default"
# A request that found no free connection for DB_POOL_TIMEOUT is answered 503, to be retried after this long.
DATABASE_BUSY_RETRY_AFTER_SECONDS = int(os.environ.get("DATABASE_BUSY_RETRY_AFTER_SECONDS", 1))
# Requests a process works on at once (config/asgi.py): a thread each, the rest wait in line. Below
# DB_POOL_MAX_SIZE, so requests never wait for a database connection.
WEB_HTTP_THREADS = int(os.environ.get("WEB_HTTP_THREADS", 8))
# A flow's `webhook` action waits this long for the receiver (seconds), off the call's audio loop.
CALL_ACTION_WEBHOOK_TIMEOUT = float(os.environ.get("CALL_ACTION_WEBHOOK_TIMEOUT", 5))

# Calendars (scheduling): OAuth apps of the platform for Google and Microsoft, the page the provider sends the
# user back to (it POSTs the code and state to /api/calendar/connect), and the providers' endpoints.
CALENDAR_OAUTH_REDIRECT_URI = os.environ.get("CALENDAR_OAUTH_REDIRECT_URI", f"{FRONTEND_URL}/calendar/oauth/callback")
CALENDAR_HTTP_TIMEOUT = float(os.environ.get("CALENDAR_HTTP_TIMEOUT", 10))
# A calendar server's answer is read up to this size (decompressed), then refused.
CALENDAR_MAX_RESPONSE_BYTES = int(os.environ.get("CALENDAR_MAX_RESPONSE_BYTES", 5 * 1024 * 1024))
GOOGLE_OAUTH_CLIENT_ID = os.environ.get("GOOGLE_OAUTH_CLIENT_ID", "")
GOOGLE_OAUTH_CLIENT_SECRET = os.environ.get("GOOGLE_OAUTH_CLIENT_SECRET", "")
GOOGLE_OAUTH_AUTHORIZE_URL = os.environ.get(
    "GOOGLE_OAUTH_AUTHORIZE_URL", "https://accounts.google.com/o/oauth2/v2/auth"
)
GOOGLE_OAUTH_TOKEN_URL = os.environ.get("GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token")
GOOGLE_CALENDAR_API_BASE_URL = os.environ.get("GOOGLE_CALENDAR_API_BASE_URL", "https://www.googleapis.com/calendar/v3")
MICROSOFT_OAUTH_CLIENT_ID = os.environ.get("MICROSOFT_OAUTH_CLIENT_ID", "")
MICROSOFT_OAUTH_CLIENT_SECRET = os.environ.get("MICROSOFT_OAUTH_CLIENT_SECRET", "")
MICROSOFT_OAUTH_AUTHORITY = os.environ.get("MICROSOFT_OAUTH_AUTHORITY", "https://login.microsoftonline.com/common")
MICROSOFT_GRAPH_BASE_URL = os.environ.get("MICROSOFT_GRAPH_BASE_URL", "https://graph.microsoft.com/v1.0")
# CalDAV passwords travel in every request: plain http only when explicitly allowed (a LAN server).
CALDAV_ALLOW_HTTP = env_bool("CALDAV_ALLOW_HTTP")
# Calendly API v2 (personal access tokens), and the public base URL its webhooks are sent to.
CALENDLY_API_BASE_URL = os.environ.get("CALENDLY_API_BASE_URL", "https://api.calendly.com")
CALENDLY_WEBHOOK_BASE_URL = os.environ.get("CALENDLY_WEBHOOK_BASE_URL", f"https://{API_HOST}")
CELERY_BEAT_SCHEDULE["scheduling-reminders"] = {
    "task": "scheduling.send_due_reminders",
    "schedule": 60.0,  # no tenant_schemas: every tenant
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (config.middleware.SecurityHeadersMiddleware): our own origin only, no inline script
# anywhere (the Django admin has none; /api/docs/ loads its start-up script as a file and allows its one inline style
# by hash, config/api/docs.py), no plugins, never framed. data: images and fonts for Swagger UI's and the admin's icons.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # Logos are uploaded and served from the tenant's own host (tenants.logos), so no other origin is needed.
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Sources added on some paths only. The admin's index and app list (django-tenants' templates) style with an inline
# <style> and style attributes; its scripts stay as strict as everywhere.
CONTENT_SECURITY_POLICY_PATHS = {"/admin/": {"style-src": ["'unsafe-inline'"]}}
# Browser features no page of ours uses are off; the microphone stays available to our own pages (the dashboard
# talks to agents from the browser).
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "(self)",
    "midi": "()",
    "payment": "()",
    "usb": "()",
    "xr-spatial-tracking": "()",
}
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "origin",
    "x-requested-with",
    "x-tenant",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ["X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.TenantJWTAuthentication",
    ],
    # Fail closed: every view needs a chosen tenant and a member of it unless it says otherwise.
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.TenantPermission"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": None,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", 15))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", 7))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Voice Agents Platform API",
    "DESCRIPTION": "Multi-tenant AI voice agents: receptionists and outbound campaigns.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Ids in paths (`<id:...>`, config/api/converters.py) are bigint primary keys.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}},
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "tenantHeader": {"type": "apiKey", "in": "header", "name": "X-Tenant"},
        }
    },
}

# One JSON object per line (config/logs.py), with request id, tenant, user and call; phone numbers and secrets masked.
# LOG_FORMAT=text: plain lines, masked the same way.
# Errors to Sentry (config/sentry.py: no framework integrations, errors sent from our logging): off when empty.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")
SENTRY_RELEASE = os.environ.get("SENTRY_RELEASE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"()": "config.logs.TextFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": os.environ.get("LOG_FORMAT", "json")},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The pool logs every connection it closes for being idle at INFO.
        "psycopg.pool": {"level": "WARNING"},
        # The twilio SDK logs every API request at INFO, a dozen lines each (URL with the call's SID, query
        # parameters, headers): a dozen lines at every call's end, and phone numbers in the logs.
        "twilio.http_client": {"level": "WARNING"},
        # faster-whisper logs every transcription's duration at INFO: a line per caller turn.
        "faster_whisper": {"level": "WARNING"},
    },
}

# Campaigns: the dialer's beat tick (every tenant), how long a claimed attempt may wait for its dial task before
# it is sent again, and the per-minute rate campaign stats price calls at (Twilio US outbound list price).
CELERY_BEAT_SCHEDULE["campaigns-dispatch"] = {
    "task": "campaigns.dispatch",
    "schedule": 5.0,
    "options": {"expires": 10},  # no tenant_schemas: every tenant
}
CAMPAIGN_STALE_CLAIM_SECONDS = int(os.environ.get("CAMPAIGN_STALE_CLAIM_SECONDS", 300))
CAMPAIGN_COST_PER_MINUTE = os.environ.get("CAMPAIGN_COST_PER_MINUTE", "0.014")
CAMPAIGN_COST_CURRENCY = os.environ.get("CAMPAIGN_COST_CURRENCY", "USD")

# Contacts: the region national numbers in an import are read in (ISO 3166 code).
CONTACTS_DEFAULT_REGION = os.environ.get("CONTACTS_DEFAULT_REGION", "US")

# Hosts on a private network that tenant-supplied URLs (webhook actions, an OpenAI-compatible base URL, CalDAV)
# may reach, e.g. a self-hosted LLM: every other private, loopback or link-local address is refused.
OUTBOUND_PRIVATE_HOSTS = env_list("OUTBOUND_PRIVATE_HOSTS", "")

# Outgoing webhooks (webhooks app): each attempt waits this long for the receiver; failed attempts are retried after
# an exponential backoff (base doubling per attempt, capped, with jitter) for the retry window; an endpoint failing
# that many days in a row is disabled. Sent from a queue of their own, so a slow receiver never holds up other work.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", 30))
WEBHOOK_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", 2 * 3600))
WEBHOOK_RETRY_WINDOW_SECONDS = int(os.environ.get("WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600))
WEBHOOK_DISABLE_AFTER_DAYS = int(os.environ.get("WEBHOOK_DISABLE_AFTER_DAYS", 3))
CELERY_BEAT_SCHEDULE["webhooks-dispatch-due"] = {
    "task": "webhooks.dispatch_due",
    "schedule": 60.0,
    "options": {"expires": 50},  # no tenant_schemas: every tenant
}

# Prometheus metrics at /metrics (config/metrics.py): for a scraper with this bearer token or from these networks
# (CIDRs, matched against the connecting address); neither set: /metrics answers 404. PROMETHEUS_MULTIPROC_DIR (read by
# prometheus-client itself) joins the figures of several processes.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "")
