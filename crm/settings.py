"""Every setting comes from the environment; with nothing set the embedded default runs:
SQLite, tasks in-process, e-mail printed to the console."""

from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from django.utils.csp import CSP

from crm.storage import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# The embedded key is public (it is in this file): with DEBUG off the start stops until
# SECRET_KEY is set (crm.checks), since anyone could forge sessions and signed links with it.
EMBEDDED_SECRET_KEY = "embedded-default-key-only-for-local-runs-never-for-production-0123456789"
SECRET_KEY = env("SECRET_KEY", default=EMBEDDED_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First: its ready() sets the Russian empty-choice label before the admin's autodiscovery
    # imports forms that read it.
    "crm",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "import_export",
    "axes",
    "django_prose_editor",
    "contacts",
    "deals",
    "billing",
    "documents",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "crm.context_processors.navigation",
            ],
        },
    },
    {
        # Only for the rows of the longest lists (jinja2/): autoescaped as Django's.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": True},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (the live-server tests, runserver) share one file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "deals:list"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60
# A lockout holds a username from one address only: failures from elsewhere cannot lock the
# user out. The address is the one the rate limits see (CLIENT_IP_HEADER behind a proxy):
# otherwise everyone behind the proxy would share it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "crm.public.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
# Thousands are grouped in figures and accepted in typed numbers («1 500,5»). Identifiers
# such as deal numbers are shown through string properties (Deal.number), never grouped.
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
# Uploaded files and generated PDFs: the folder MEDIA_ROOT, or with MEDIA_STORAGE_URL a
# private S3-compatible bucket (crm/storage.py). Either way no file is public: MEDIA_URL is
# the project's own view (crm.views.media_file), and downloads from a bucket are signed
# links that expire after MEDIA_SIGNED_URL_SECONDS. The address may hold keys, so it is not
# kept as a setting.
MEDIA_SIGNED_URL_SECONDS = env.int("MEDIA_SIGNED_URL_SECONDS", default=60)
STORAGES = {
    "default": media_storage(
        env("MEDIA_STORAGE_URL", default=""), signed_url_seconds=MEDIA_SIGNED_URL_SECONDS
    ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy: no inline script anywhere, every asset from this host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# E-mail: the console by default; smtp://user:password@host:587 (or smtp+tls://) in production.
_email = env.email("EMAIL_URL", default="consolemail://")
_mailer = {"BACKEND": _email["EMAIL_BACKEND"]}
if _mailer["BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    _mailer["BACKEND"] = "crm.console_mail.EmailBackend"  # decoded subject and body
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mailer["OPTIONS"] = {
        "host": _email.get("EMAIL_HOST") or "localhost",
        "port": int(_email.get("EMAIL_PORT") or 25),
        "username": _email.get("EMAIL_HOST_USER") or "",
        "password": _email.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=20),
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker every task runs in-process, at the moment it is enqueued.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down must not hang a web request: publishing gives up quickly and the
# sweeper re-enqueues what was left behind.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}
CELERY_BEAT_SCHEDULE = {
    "morning-digest": {
        "task": "deals.tasks.send_morning_digests",
        "schedule": crontab(hour=env.int("DIGEST_HOUR", default=8), minute=0),
    },
}
# Funnel report: on the 1st of each month the head of sales gets last month's report.
CELERY_BEAT_SCHEDULE["funnel-monthly"] = {
    "task": "analytics.tasks.send_funnel_monthly",
    "schedule": crontab(day_of_month=1, hour=env.int("FUNNEL_REPORT_HOUR", default=7), minute=0),
}

# Bench mode: the benchmark's commands, an X-Queries header and /bench/hello/ (never set it
# in production).
BENCH_MODE = env.bool("BENCH_MODE", default=False)
if BENCH_MODE:
    INSTALLED_APPS.append("bench")
    MIDDLEWARE.insert(0, "bench.middleware.QueryCountMiddleware")

# Online payment of invoices. "sandbox" (the default) is a test page served by the project:
# nothing is charged, so production sets "yookassa" and the shop's credentials.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="sandbox")
# With DEBUG off the sandbox stops the start (billing.checks): anyone with an invoice link
# could mark it paid. True lets a staging or demo site run it anyway; its pages then say in
# large letters that no money moves.
PAYMENT_SANDBOX_IN_PRODUCTION = env.bool("PAYMENT_SANDBOX_IN_PRODUCTION", default=False)
# Icons shown beside «Оплатить онлайн»: the methods the shop accepts.
PAYMENT_METHODS = env.list("PAYMENT_METHODS", default=["mir", "visa", "mastercard", "sbp"])
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none); the webhook
# checks the sender's address, so it must know which entry the outermost proxy wrote.
PAYMENT_WEBHOOK_PROXY_HOPS = env.int("PAYMENT_WEBHOOK_PROXY_HOPS", default=0)
YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID", default="")
YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY", default="")
YOOKASSA_API_URL = env("YOOKASSA_API_URL", default="https://api.yookassa.ru/v3/")
YOOKASSA_TIMEOUT = env.float("YOOKASSA_TIMEOUT", default=10.0)
# 54-FZ receipts sent with online payments (their tax system is the seller's regime on the
# «Налог» page), and whether the shop's register sends them by SMS (a buyer with a phone and
# no e-mail is then not asked for an e-mail; «Чеки от ЮKassa» send by e-mail only).
YOOKASSA_RECEIPTS = env.bool("YOOKASSA_RECEIPTS", default=False)
YOOKASSA_RECEIPT_SMS = env.bool("YOOKASSA_RECEIPT_SMS", default=False)
# Invoices: «Оплатить онлайн» on the client's invoice page (False: clients pay by bank
# transfer only, and no provider is contacted), and the default days to pay an invoice.
PAYMENT_ONLINE = env.bool("PAYMENT_ONLINE", default=True)
INVOICE_DUE_DAYS = env.int("INVOICE_DUE_DAYS", default=5)
# Receipts sent on their own (the offset of prepayments): attempts before one is marked
# failed, and how often beat sends again those left pending.
RECEIPT_MAX_ATTEMPTS = env.int("RECEIPT_MAX_ATTEMPTS", default=10)
CELERY_BEAT_SCHEDULE["fiscal-receipt-sweeper"] = {
    "task": "billing.tasks.sweep_receipts",
    "schedule": env.int("RECEIPT_SWEEP_SECONDS", default=300),
    "options": {"expires": env.int("RECEIPT_SWEEP_SECONDS", default=300)},
}

# Outgoing e-mail, client links (/p/…) and questionnaires.
COMPANY_NAME = env("COMPANY_NAME", default="CRM")
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
# The sweeper: a row claimed longer ago than this belongs to a worker that died mid-send; a
# fresh row is left to its own task for the grace; a re-published row waits before the next.
EMAIL_SENDING_STALE_SECONDS = env.int("EMAIL_SENDING_STALE_SECONDS", default=600)
EMAIL_SWEEP_GRACE_SECONDS = env.int("EMAIL_SWEEP_GRACE_SECONDS", default=60)
EMAIL_REQUEUE_SECONDS = env.int("EMAIL_REQUEUE_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["outgoing-email-sweeper"] = {
    "task": "crm.tasks.sweep_emails",
    "schedule": env.int("EMAIL_SWEEP_SECONDS", default=60),
    # Sweeps that waited for a worker longer than a period are useless: drop them.
    "options": {"expires": env.int("EMAIL_SWEEP_SECONDS", default=60)},
}
# The bell in the top bar asks for the unread count this often (one indexed query).
NOTIFICATIONS_POLL_SECONDS = env.int("NOTIFICATIONS_POLL_SECONDS", default=30)
# Reminders of tasks: due in 15 minutes and overdue, checked every minute.
CELERY_BEAT_SCHEDULE["task-reminders"] = {
    "task": "deals.tasks.send_task_reminders",
    "schedule": 60,
    # A check that waited for a worker longer than a minute is replaced by the next one.
    "options": {"expires": 60},
}
PUBLIC_RATE_PER_MINUTE = env.int("PUBLIC_RATE_PER_MINUTE", default=60)
# Client IP for rate limits and the login lockout: empty means REMOTE_ADDR; behind a proxy
# the header it sets, e.g. X-Real-IP (never a header the client can send through the proxy
# unchanged).
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
QUESTIONNAIRE_UPLOAD_MAX_MB = env.int("QUESTIONNAIRE_UPLOAD_MAX_MB", default=10)

# Company details by ИНН from DaData (dadata.ru, «Организация по ИНН»): off while the API key
# is empty. Only the key is needed, not the secret. Each user may ask DADATA_RATE_PER_MINUTE
# times a minute; a request waits DADATA_TIMEOUT seconds before the form says to type by hand.
DADATA_API_KEY = env("DADATA_API_KEY", default="")
DADATA_TIMEOUT = env.float("DADATA_TIMEOUT", default=3.0)
DADATA_RATE_PER_MINUTE = env.int("DADATA_RATE_PER_MINUTE", default=20)

# Website intake (/api/leads/). The key is public in the website's form, so junk is limited
# apart from real leads: accepted leads a minute per source key; refused posts (errors, the
# trap field) a minute per key; every post a minute per client address (raise it when the
# website's own server posts the leads, all from one address); the largest body in KB.
INTAKE_RATE_PER_MINUTE = env.int("INTAKE_RATE_PER_MINUTE", default=60)
INTAKE_REFUSED_RATE_PER_MINUTE = env.int("INTAKE_REFUSED_RATE_PER_MINUTE", default=60)
INTAKE_IP_RATE_PER_MINUTE = env.int("INTAKE_IP_RATE_PER_MINUTE", default=30)
INTAKE_MAX_BODY_KB = env.int("INTAKE_MAX_BODY_KB", default=64)

# Working time in TIME_ZONE: a lead's first task is due within the source's minutes of it
# (a lead at 20:00 on Friday: on Monday morning), and a new task's form offers its next
# hour. Hours as 9:00-18:00, ISO weekdays as 1-5 or 1,2,3,4,5,6; a source may set its own.
WORK_HOURS = env("WORK_HOURS", default="9:00-18:00")
WORK_DAYS = env("WORK_DAYS", default="1-5")

# How long the author of a comment may still correct or delete it, in minutes. After that the
# comment stays as written: the card hides the buttons and the server answers 403.
COMMENT_EDIT_MINUTES = env.int("COMMENT_EDIT_MINUTES", default=15)

# Catalog import/export in the admin (django-import-export). The uploaded file waits for the
# confirm step in the cache, which every web process shares, not in one machine's /tmp.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Document templates: the largest image the editor uploads into a template, in megabytes.
DOCUMENT_IMAGE_MAX_MB = env.int("DOCUMENT_IMAGE_MAX_MB", default=2)

# A PDF that lost a stylesheet, an image or a font: an error in the log naming the document;
# with PDF_STRICT (the test suite turns it on) rendering raises instead.
PDF_STRICT = env.bool("PDF_STRICT", default=False)

# Demo data: the key of the demo website source (random when unset).
CRM_DEMO_SITE_KEY = env("CRM_DEMO_SITE_KEY", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
