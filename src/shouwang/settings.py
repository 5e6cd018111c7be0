"""One settings module for every deployment, read from the environment.

The embedded default (no variables set) runs on SQLite under ``./var/`` so that a fresh clone starts
with one command; production sets ``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import hashlib
import math
import os
import socket
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SHOUWANG_VAR_DIR", Path.cwd() / "var")).resolve()


# Every setting is read here and nowhere else (tests/core/test_settings.py greps for it). A value that does
# not parse stops the start with a message naming the variable: a mistyped `DEBUG=ture` must not quietly
# mean False, nor `SESSION_IDLE_MINUTES=2h` crash later with Python's own words.
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_bool(name: str, raw: str) -> bool:
    """A yes/no variable: true/false, 1/0, yes/no, on/off (any case; empty is false); anything else stops
    the start."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value: write one of true/false, 1/0, yes/no, on/off."
    )


def parse_int(name: str, raw: str, *, minimum: int = 0) -> int:
    """A whole number of at least ``minimum``."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum of {minimum}.")
    return value


def parse_float(name: str, raw: str, *, minimum: float = 0.0) -> float:
    """A number (decimals allowed) of at least ``minimum``; not NaN or infinite."""
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not math.isfinite(value) or value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a finite number of at least {minimum}.")
    return value


def parse_url(name: str, raw: str, *, schemes: tuple[str, ...]) -> str:
    """A URL with one of ``schemes`` and a host. The message names the scheme, never the whole value,
    which may hold a password."""
    value = raw.strip()
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number, or above 65535
        port_ok = False
    if parts.scheme not in schemes or not (parts.hostname or parts.scheme == "unix") or not port_ok:
        raise ImproperlyConfigured(
            f"{name} is not a URL of the form {schemes[0]}://host…"
            f" (scheme {parts.scheme or 'missing'!r}, host {'present' if parts.hostname else 'missing'},"
            f" port {'valid' if port_ok else 'not a valid number'};"
            f" accepted schemes: {', '.join(schemes)})."
        )
    return value


def parse_tiles_url(name: str, raw: str) -> str:
    """A map tile URL template: http(s) on a tile server, or a path on this site, with {z}, {x} and {y};
    empty means no drawn map."""
    value = raw.strip()
    if not value:
        return ""
    if not value.startswith("/"):
        parse_url(name, value.replace("{s}", "a"), schemes=("https", "http"))
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in value]
    if missing:
        raise ImproperlyConfigured(f"{name}={raw!r} lacks {', '.join(missing)}: tiles cannot be addressed.")
    return value


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")
    return value


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else parse_bool(name, value)


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    return default if value is None else parse_int(name, value, minimum=minimum)


def _env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    value = os.environ.get(name)
    return default if value is None else parse_float(name, value, minimum=minimum)


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in ./var (never in the repo)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    from django.core.management.utils import get_random_secret_key

    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")
# Reverse proxies (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto the web server
# believes (web.runtime.server_options). Empty: none, the peer's own address is the client's.
TRUSTED_PROXIES = _env_list("TRUSTED_PROXIES", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # ninja's own copy of the Swagger UI for /api/v1/docs; without the app the page loads it from a CDN.
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "shouwang.core",
    "shouwang.regions",
    "shouwang.providers",
    "shouwang.catalog",
    "shouwang.accounts",
    "shouwang.elders",
    "shouwang.assessments",
    "shouwang.orders",
    "shouwang.alarms",
    "shouwang.benefits",
    "shouwang.portal",
    "shouwang.hotline",
    "shouwang.visits",
    "shouwang.facilities",
    "shouwang.routes",
    "shouwang.homecare",
    "shouwang.health",
    "shouwang.childcare",
    "shouwang.pilots",
    "shouwang.inspections",
    "shouwang.web",
    "shouwang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shouwang.core.middleware.RequestContextMiddleware",
    "shouwang.core.middleware.NulCharacterMiddleware",
    "shouwang.core.middleware.DomainErrorMiddleware",
    # Axes last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shouwang.urls"
ASGI_APPLICATION = "shouwang.asgi.application"
WSGI_APPLICATION = "shouwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shouwang.web.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'shouwang.sqlite3'}"
# Persistent connections are off by default: under ASGI each request may run in a new thread, and idle
# per-thread connections would pile up. Put PgBouncer in front at scale.
DB_CONN_MAX_AGE = _env_int("DB_CONN_MAX_AGE", 0)
try:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)
    }
except ValueError:  # dj_database_url's UnknownSchemeError; its message would not name the variable
    raise ImproperlyConfigured(
        f"DATABASE_URL has the unknown scheme {urlsplit(DATABASE_URL).scheme or 'missing'!r}:"
        " use postgres://user:password@host:port/name or sqlite:///path."
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker thread and the scheduler read while one writes;
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    redis_url = parse_url("REDIS_URL", REDIS_URL, schemes=("redis", "rediss", "unix"))
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}

# --- accounts, passwords, sessions, login throttling ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Every password set anywhere (console, API, self-registration, createsuperuser) passes all of these.
# Ten characters: eight let `shouwang` and a name with two digits (`wangwei12`) through.
PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 10, minimum=1)
PASSWORD_MAX_LENGTH = 128
PASSWORD_MIN_DISTINCT_CHARACTERS = 5
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {
        "NAME": "shouwang.accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": PASSWORD_MAX_LENGTH},
    },
    {
        "NAME": "shouwang.accounts.validators.DistinctCharactersValidator",
        "OPTIONS": {"min_distinct": PASSWORD_MIN_DISTINCT_CHARACTERS},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# An idle session expires: every request pushes the expiry forward by SESSION_IDLE_MINUTES.
SESSION_COOKIE_AGE = _env_int("SESSION_IDLE_MINUTES", 120, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ... and the address alone after this many failures over all usernames (accounts.lockout).
SHOUWANG_LOGIN_ADDRESS_FAILURE_LIMIT = _env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_HANDLER = "shouwang.accounts.lockout.LoginLockout"
# The address axes counts is REMOTE_ADDR, which the web server takes from X-Forwarded-For only when a
# TRUSTED_PROXIES proxy sent the request (web.runtime). axes would read headers through django-ipware if
# it were installed; ipware believes the header's contents whoever sent it, so keep it on REMOTE_ADDR.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- language and time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static and uploaded files -------------------------------------------------------------------------
STATIC_URL = "/static/"
# Only `collectstatic` for a production web server needs a folder; the platform serves from the packages.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Serve straight from the installed packages: no collectstatic step for the embedded default.
WHITENOISE_USE_FINDERS = True
# Leaflet's own files as django-leaflet ships them, found without importing or installing the app: its
# admin module imports GeoDjango, which needs the GDAL system library we do not otherwise use.
_LEAFLET = find_spec("leaflet")
if _LEAFLET is None or not _LEAFLET.submodule_search_locations:
    raise ImproperlyConfigured("django-leaflet is not installed: run `uv sync`")
STATICFILES_DIRS = [Path(list(_LEAFLET.submodule_search_locations)[0]) / "static"]
# Map tiles for the alarm console (WGS-84 tiles; an intranet points this at its own tile server). Empty:
# no drawn map, only the coordinates and a link.
SHOUWANG_MAP_TILES_URL = parse_tiles_url(
    "MAP_TILES_URL", os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
)
SHOUWANG_MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION", "&copy; OpenStreetMap")
WHITENOISE_AUTOREFRESH = DEBUG
# The 15-minute service circle (facilities.coverage): how far an elder walks in a minute along streets, and
# how much longer a street route is than the straight line. 15 minutes at 67 m/min is the ~1,000 m of street
# the policy names; divided by 1.3 it is a straight-line reach of about 770 m.
SHOUWANG_WALK_METRES_PER_MINUTE = _env_float("WALK_METRES_PER_MINUTE", 67.0, minimum=1.0)
SHOUWANG_DETOUR_FACTOR = _env_float("DETOUR_FACTOR", 1.3, minimum=1.0)
SHOUWANG_SERVICE_CIRCLE_MINUTES = _env_int("SERVICE_CIRCLE_MINUTES", 15, minimum=1)
# How the circle judges a walk: "straight" (the straight line × the detour factor above) or "matrix" (the
# walking times a routing engine computed offline, imported with `shouwang import_travel_matrix`; a pair
# missing from it falls back to the straight line and is reported as estimated). docs/operations.md.
SHOUWANG_WALK_TIMES = os.environ.get("WALK_TIMES", "straight").strip().lower()
if SHOUWANG_WALK_TIMES not in ("straight", "matrix"):
    raise ImproperlyConfigured(f"WALK_TIMES={SHOUWANG_WALK_TIMES!r} is not one of straight, matrix.")
# Caregiver routes (issue 21, decision 0020): travel is the great-circle distance x
# SHOUWANG_DETOUR_FACTOR at the speed of the caregiver's mode (metres per second); how long the planner
# searches a provider's day; which catalogue items need two caregivers at once (助浴 of a bedridden elder).
SHOUWANG_ROUTES_SPEEDS = {
    "walk": _env_float("ROUTES_WALK_M_PER_S", 1.2, minimum=0.1),
    "bike": _env_float("ROUTES_BIKE_M_PER_S", 4.0, minimum=0.1),
    "car": _env_float("ROUTES_CAR_M_PER_S", 8.0, minimum=0.1),
}
SHOUWANG_ROUTES_MODE = os.environ.get("ROUTES_MODE", "bike")
SHOUWANG_ROUTES_SECONDS = _env_float("ROUTES_SECONDS", 10.0, minimum=1.0)
SHOUWANG_ROUTES_DOUBLE_ITEMS = tuple(
    code for code in os.environ.get("ROUTES_DOUBLE_ITEMS", "bathing").split(",") if code
)
# How long HiGHS may search for the best new sites (MCLP); past it the best choice found so far (never worse
# than the greedy one it starts from) is suggested. Decision 0016.
SHOUWANG_SITE_SOLVER_SECONDS = _env_float("SITE_SOLVER_SECONDS", 30.0, minimum=1.0)
# The largest spreadsheet one upload may carry (registry and assessment imports); a registry of a million
# elders is about 240 MB as CSV, 140 MB as xlsx. Larger requests are refused before their body is read.
SHOUWANG_UPLOAD_MAX_MB = _env_int("UPLOAD_MAX_MB", 300, minimum=1)
# Import sources are removed once their job has finished; error reports and exports after this many days.
SHOUWANG_JOB_FILES_DAYS = _env_int("JOB_FILES_DAYS", 7)
# A running import or export with no progress for this long lost its worker and is marked failed.
SHOUWANG_STALE_JOB_MINUTES = _env_int("STALE_JOB_MINUTES", 30)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- background tasks ----------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- the MQTT bridge of the alarm devices (alarms/bridge.py, docs/operations.md) -------------------------
MQTT_URL = parse_url(
    "MQTT_URL", os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"), schemes=("mqtt", "mqtts", "tcp", "ssl")
)
# Several platforms may share one broker (demos on one machine, a test and a staging copy): the bridge's
# client id and its shared-subscription group default to names unique to this data folder, so no two of them
# knock each other off the broker or take each other's messages. Bridges that share the work of one
# platform set the same MQTT_SHARE_GROUP and each its own MQTT_CLIENT_ID (docs/operations.md).
_INSTANCE = hashlib.sha256(str(VAR_DIR).encode()).hexdigest()[:8]
SHOUWANG_MQTT_CLIENT_ID = os.environ.get("MQTT_CLIENT_ID") or f"shouwang-{socket.gethostname()}-{_INSTANCE}"
SHOUWANG_MQTT_SHARE_GROUP = os.environ.get("MQTT_SHARE_GROUP") or f"shouwang-{_INSTANCE}"
SHOUWANG_MQTT_BATCH_SIZE = _env_int("MQTT_BATCH_SIZE", 500, minimum=1)
SHOUWANG_MQTT_BATCH_WAIT = _env_float("MQTT_BATCH_WAIT", 0.02)
SHOUWANG_MQTT_ALERT_SECONDS = _env_float("MQTT_ALERT_SECONDS", 30)
SHOUWANG_MQTT_SESSION_EXPIRY = _env_int("MQTT_SESSION_EXPIRY", 86400)

# --- security headers ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HSTS: off by default, since the embedded default serves plain http. Behind TLS set HSTS_SECONDS; Django
# sends the header on HTTPS requests only, which behind a proxy needs TRUSTED_PROXIES (X-Forwarded-Proto).
SECURE_HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("HSTS_PRELOAD", False)


def _tile_source(url: str) -> list[str]:
    """The map tile server as a CSP source: its origin, with Leaflet's {s} subdomain as a wildcard."""
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content-Security-Policy (django-csp): scripts, styles and everything else only from this site, no inline
# script or style attribute, no eval; the map's tiles from the configured tile server. `data:` images
# are the icons inside the Swagger UI's stylesheet (/api/v1/docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_source(SHOUWANG_MAP_TILES_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOG_LEVEL = parse_choice("LOG_LEVEL", os.environ.get("LOG_LEVEL", "INFO"), LOG_LEVELS)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

SHOUWANG_PAGE_SIZE = _env_int("PAGE_SIZE", 50, minimum=1)
# The registry holds residents from this age up (老年人: 60 and over by the Law on the Elderly).
SHOUWANG_ELDER_MIN_AGE = _env_int("ELDER_MIN_AGE", 60)
# Ability assessment (GB/T 42195-2022): whether the two "one level higher" rules add up (the standard does
# not say; default no), how long a result stays valid, and from which level an elder counts as 失能.
SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS = _env_bool("ASSESSMENT_CUMULATIVE_ADJUSTMENTS", False)
SHOUWANG_ASSESSMENT_VALID_MONTHS = _env_int("ASSESSMENT_VALID_MONTHS", 6)
SHOUWANG_DISABLED_FROM_LEVEL = _env_int("DISABLED_FROM_LEVEL", 1)

# Service orders (orders): how long a provider has to accept or reject before the order moves on; the
# EVV tolerance radius and time rules; how many days ahead the daily job creates care-plan orders.
SHOUWANG_ORDER_ACCEPT_MINUTES = _env_int("ORDER_ACCEPT_MINUTES", 30)
SHOUWANG_ORDER_PLAN_DAYS_AHEAD = _env_int("ORDER_PLAN_DAYS_AHEAD", 7)
SHOUWANG_EVV_RADIUS_M = _env_int("EVV_RADIUS_M", 200)
SHOUWANG_EVV_LATE_MINUTES = _env_int("EVV_LATE_MINUTES", 15)
# A check-in this many minutes before the visit's window is an exception (早到) too: the caregiver is
# warned at once and the supervisor sees it.
SHOUWANG_EVV_EARLY_MINUTES = _env_int("EVV_EARLY_MINUTES", 30)
# A visit shorter than this share of the items' standard minutes is "too short".
SHOUWANG_EVV_MIN_DURATION_SHARE = _env_float("EVV_MIN_DURATION_SHARE", 0.5)
# Faster than this between two consecutive visits of one caregiver is "impossible travel" (km/h).
SHOUWANG_EVV_MAX_TRAVEL_KMH = _env_float("EVV_MAX_TRAVEL_KMH", 60)

# Outgoing SMS and other messages go through core.outbox; the sender class delivers them. The default
# only keeps them in the outbox (what the demo and tests read); production plugs in a real gateway.
SHOUWANG_MESSAGE_SENDER = os.environ.get("MESSAGE_SENDER", "shouwang.core.outbox.KeepInOutbox")
# A message whose sender keeps failing is retried with a doubling delay (30 s, 1 min, 2 min…) and given up,
# with an alert on the admin's console, after this many attempts (8: about an hour).
SHOUWANG_MESSAGE_MAX_ATTEMPTS = _env_int("MESSAGE_MAX_ATTEMPTS", 8, minimum=1)

# The family portal: linking a family login to an elder by a 6-digit code sent (through the outbox above)
# to the elder's registered phone. The code is valid this many minutes and allows this many wrong tries;
# one family login may ask for this many codes a day (SMS cost, and no trawling of ID numbers).
SHOUWANG_LINK_CODE_MINUTES = _env_int("LINK_CODE_MINUTES", 15, minimum=1)
SHOUWANG_LINK_CODE_ATTEMPTS = _env_int("LINK_CODE_ATTEMPTS", 5, minimum=1)
SHOUWANG_LINK_CODES_PER_DAY = _env_int("LINK_CODES_PER_DAY", 5, minimum=1)
# Regular visits (visits): a visit task is made this many days before it is due (so a visitor can plan the
# week); one still open this many days after its due day escalates to the community's supervisor (DOMAIN.md
# §6: 3); alarms and missed check-ins within this many days raise an elder's risk tier one step.
SHOUWANG_VISIT_LEAD_DAYS = _env_int("VISIT_LEAD_DAYS", 7)
SHOUWANG_VISIT_OVERDUE_DAYS = _env_int("VISIT_OVERDUE_DAYS", 3)
SHOUWANG_VISIT_INCIDENT_DAYS = _env_int("VISIT_INCIDENT_DAYS", 30, minimum=1)
# A referral to a doctor asked for on a visit should be settled (the elder seen, or declined) within this
# many days, or by its appointment's day once booked; past that it shows as overdue to the worker.
SHOUWANG_REFERRAL_DAYS = _env_int("REFERRAL_DAYS", 7, minimum=1)
# A home visit recorded farther than this from the elder's home (metres) is flagged on the visit.
SHOUWANG_VISIT_RADIUS_M = _env_int("VISIT_RADIUS_M", 300, minimum=1)

# Health records (health): an out-of-range reading's care task is due this many days after it. The pull
# from the regional health platform (FHIR R4) runs when HEALTH_PLATFORM_URL is set, every so many minutes,
# with HEALTH_PLATFORM_TOKEN as its bearer token and a timeout per request (seconds). The system URI under
# which the FHIR server publishes the resident ID number (to clients allowed to read it).
SHOUWANG_CARE_TASK_DAYS = _env_int("CARE_TASK_DAYS", 1)
SHOUWANG_HEALTH_PLATFORM_URL = os.environ.get("HEALTH_PLATFORM_URL", "").rstrip("/")
SHOUWANG_HEALTH_PLATFORM_TOKEN = os.environ.get("HEALTH_PLATFORM_TOKEN", "")
SHOUWANG_HEALTH_PLATFORM_MINUTES = _env_int("HEALTH_PLATFORM_MINUTES", 360, minimum=5)
SHOUWANG_HEALTH_PLATFORM_TIMEOUT = _env_int("HEALTH_PLATFORM_TIMEOUT", 20, minimum=1)
SHOUWANG_FHIR_ID_NUMBER_SYSTEM = os.environ.get("FHIR_ID_NUMBER_SYSTEM", "urn:oid:2.16.156.10011.1.1")

# Emergency alarms (alarms): acknowledge target for urgent incidents before escalation, burst window.
SHOUWANG_ALARM_ACK_SECONDS = _env_int("ALARM_ACK_SECONDS", 60)
SHOUWANG_ALARM_BURST_SECONDS = _env_int("ALARM_BURST_SECONDS", 300)
# An alarm received more than this many minutes after its device time is recorded and opened as
# "reported late" (迟报), its device time shown; events older than SHOUWANG_ALARM_MAX_EVENT_AGE_HOURS
# (168) are refused.
SHOUWANG_ALARM_LATE_MINUTES = _env_int("ALARM_LATE_MINUTES", 60)
# Device events that are not alarms (motion, door, check-in) are deleted after this many days; alarms and
# every event of an incident are kept (ADR 0017). At least a week: the watch reads the last days' events.
SHOUWANG_DEVICE_EVENT_RETENTION_DAYS = _env_int("DEVICE_EVENT_RETENTION_DAYS", 90, minimum=7)
# The delivery check (alarms/delivery.py): heartbeats arriving at under this percentage of what the
# devices' intervals promise raise a platform alarm, once at least DELIVERY_MIN_EXPECTED were expected.
SHOUWANG_DELIVERY_ALERT_PERCENT = _env_int("DELIVERY_ALERT_PERCENT", 60, minimum=1)
SHOUWANG_DELIVERY_MIN_EXPECTED = _env_int("DELIVERY_MIN_EXPECTED", 100, minimum=1)
# A device event body larger than this (bytes) is refused unread (events are a few hundred bytes).
SHOUWANG_ALARM_MAX_EVENT_BYTES = _env_int("ALARM_MAX_EVENT_BYTES", 16384)
# After this many refused device-event posts from one address in a minute, the rest of its posts in that
# minute are answered 429 unread (0: no limit). Good events never count.
SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE = _env_int("DEVICE_EVENT_REJECTIONS_PER_MINUTE", 30)

# Home care (homecare): a home care bed needs this ability level (GB/T 42195: 0 intact … 4 total loss) or
# above; respite care (喘息服务) grants this many days a year to each elder.
SHOUWANG_HOMECARE_BED_MIN_LEVEL = _env_int("HOMECARE_BED_MIN_LEVEL", 1)
SHOUWANG_HOMECARE_RESPITE_DAYS_A_YEAR = _env_int("HOMECARE_RESPITE_DAYS_A_YEAR", 28, minimum=1)
