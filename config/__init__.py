"""Deployment configuration: settings classes (``config.settings``) and gunicorn's settings."""
