"""Settings classes, one per environment; ``MESSAGEBOARD_CONFIG`` chooses one by name.

Each class is only the first of the layers documented in the README ("Configuration"): an instance
file, the file named by ``MESSAGEBOARD_SETTINGS`` and ``MESSAGEBOARD_*`` environment variables
override it, in that order.
"""


class BaseConfig:
    """Defaults shared by every environment; safe for production unless a subclass says otherwise."""

    DEBUG = False
    TESTING = False

    # None means "an SQLite file in the instance folder" (see messageboard.database).
    DATABASE_URL = None
    # Seconds a writer waits for another writer's lock before giving up (SQLite busy_timeout).
    DATABASE_BUSY_TIMEOUT = 10
    # PostgreSQL: connections each worker process may hold for its requests, never more; a sync
    # worker serves one request at a time and uses one. Raise it to the thread count for threaded
    # workers. The page cache reads its change counter on one more connection of its own, so a
    # worker holds at most this + 1: keep workers x hosts x (this + 1) under the server's
    # max_connections (docs/deploy.md works it through).
    DATABASE_POOL_SIZE = 1
    # PostgreSQL: seconds a request waits for a free pooled connection, then answers 503.
    DATABASE_POOL_TIMEOUT = 5
    # PostgreSQL: seconds to connect before a page answers 503; also how long a query may wait
    # on a link that stopped answering (TCP_USER_TIMEOUT) before it fails instead of hanging.
    DATABASE_CONNECT_TIMEOUT = 5

    # The static sources (scss/, js/, images/): None means the top-level static/ folder.
    STATIC_FOLDER = None
    # The URL path the built static files are served under.
    STATIC_URL_PATH = "/static"
    # Where `flask assets build` publishes (public/, served) and keeps its manifest (not served);
    # relative to the project.
    ASSETS_BUILD_FOLDER = "build"
    # The bundles {% assets %} links, relative to the project.
    ASSETS_BUNDLES_FILE = "assets.yml"
    # Cache-Control max-age for static files whose names carry no content hash.
    STATIC_MAX_AGE = 60
    # A folder whose templates/ and static/ override the built-in files of the same name (the
    # rest fall back to templates/ and static/); relative to the project. See docs/templates.md.
    THEME_FOLDER = None

    # Production reads the key from MESSAGEBOARD_SECRET_KEY or the file named here, at start-up.
    SECRET_KEY = None
    SECRET_KEY_FILE = None

    # Staging and Production serve people: they refuse DEBUG, TESTING and the repository's secrets.
    PUBLIC_SITE = False

    # Adding, editing and deleting need an editor's login (`flask editors add`) unless this is on.
    ANONYMOUS_EDITING = False
    # Failed logins for one name, or from one address, within the window before logins wait.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = 15 * 60

    # The session cookie: never readable by scripts, not sent on cross-site POSTs, HTTPS only.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # Strict-Transport-Security max-age in seconds (0: not sent); Production turns it on.
    HSTS_SECONDS = 0
    # Host names the site answers to, e.g. ["example.org", ".example.org"] (a leading dot: that
    # name and its subdomains); any other Host header gets a 400 page, static files too. None: any.
    TRUSTED_HOSTS = None
    # Proxies in front of the site, as hop counts per X-Forwarded-* header (werkzeug's ProxyFix);
    # 0 ignores the header, so a visitor cannot forge their address or scheme without a proxy.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0

    MESSAGES_PER_PAGE = 20
    # Rendered list and message pages each worker keeps until the data changes (0: none).
    PAGE_CACHE_SIZE = 256
    # GET /add/<key>/<message> writes on a GET, which any page on the web can make a visitor's
    # browser send, so it is off unless an environment opts in.
    LEGACY_GET_WRITES = False

    # The largest valid form is a 10,000-character text of 4-byte characters, percent-encoded by
    # the browser at 3 bytes per byte: 120,000 bytes. Anything much larger is not a message.
    MAX_CONTENT_LENGTH = 256 * 1024
    # multipart/form-data bodies only (browsers send this site's forms url-encoded, which only
    # MAX_CONTENT_LENGTH bounds): the largest field kept in memory, and the most parts. The
    # largest valid field is a 10,000-character text of 4-byte characters, 40,000 bytes; the
    # largest form has 4 fields. A file counts as a part (no form reads files).
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_FORM_PARTS = 16
    WTF_CSRF_TIME_LIMIT = 3600 * 8

    # Rebuild changed assets before a page request; elsewhere the app never builds.
    ASSETS_AUTO_BUILD = False
    ASSETS_DEBUG = False
    ASSETS_CACHE = False  # webassets' own cache and manifest: the build keeps its own manifest
    ASSETS_MANIFEST = False

    # Designer tools. Live reload: open pages update when a template, style, script, image or
    # assets.yml is saved (development only: it needs ASSETS_AUTO_BUILD).
    LIVE_RELOAD = False
    # /_styleguide: every page template and macro in each state, from a fixtures file.
    STYLEGUIDE = False
    STYLEGUIDE_FIXTURES = "messageboard/styleguide/fixtures.yml"


class DevelopmentConfig(BaseConfig):
    """Local development: debug on, a fixed throwaway secret, assets rebuilt on change."""

    DEBUG = True
    SECRET_KEY = "development-only-not-secret"
    LEGACY_GET_WRITES = True
    TEMPLATES_AUTO_RELOAD = True
    ASSETS_AUTO_BUILD = True
    PAGE_CACHE_SIZE = 0  # an edited template must show on the next reload
    LIVE_RELOAD = True
    STYLEGUIDE = True
    ANONYMOUS_EDITING = True
    SESSION_COOKIE_SECURE = False  # http://127.0.0.1


class TestingConfig(BaseConfig):
    """The test suite: like development, but exceptions propagate to the test client."""

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    LEGACY_GET_WRITES = True
    ANONYMOUS_EDITING = True
    SESSION_COOKIE_SECURE = False  # the test client speaks http


class StagingConfig(BaseConfig):
    """A production-like rehearsal: production's rules, its own database and secret."""

    PUBLIC_SITE = True
    STYLEGUIDE = True


class ProductionConfig(BaseConfig):
    """Serving real users: the secret key must come from the environment or a file."""

    PUBLIC_SITE = True
    HSTS_SECONDS = 2 * 365 * 24 * 3600


CONFIG_CLASSES = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "staging": StagingConfig,
    "production": ProductionConfig,
}
