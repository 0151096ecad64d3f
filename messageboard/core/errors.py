"""The error every misconfiguration raises."""


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line saying what to set."""
