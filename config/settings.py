"""Settings classes, one per environment; ``MESSAGEBOARD_CONFIG`` chooses one by name.

Each class is only one of the layers documented in the README ("Configuration"): every setting's
default is declared beside the feature that reads it (its ``SETTINGS``), the class chosen here
overrides those, and an instance file, the file named by ``MESSAGEBOARD_SETTINGS`` and
``MESSAGEBOARD_*`` environment variables override it, in that order. ``flask config`` prints
where each value came from.
"""


class BaseConfig:
    """What every environment shares: the features' defaults, which are safe for production."""


class DevelopmentConfig(BaseConfig):
    """Local development: debug on, a fixed throwaway secret, assets rebuilt on change."""

    DEBUG = True
    SECRET_KEY = "development-only-not-secret"
    LEGACY_GET_WRITES = True
    TEMPLATES_AUTO_RELOAD = True
    ASSETS_AUTO_BUILD = True
    ASSETS_SOURCE_MAPS = True
    # A build of its own: Staging and Production refuse a source-mapped build, and one in build/ would stop them.
    ASSETS_BUILD_FOLDER = "build/development"
    PAGE_CACHE_SIZE = 0  # an edited template must show on the next reload
    LIVE_RELOAD = True
    STYLEGUIDE = True
    STRICT_TEMPLATES = True
    ANONYMOUS_EDITING = True
    SESSION_COOKIE_SECURE = False  # http://127.0.0.1


class TestingConfig(BaseConfig):
    """The test suite: like development, but exceptions propagate to the test client."""

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    LEGACY_GET_WRITES = True
    STRICT_TEMPLATES = True
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
