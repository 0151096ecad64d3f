"""The app for WSGI servers (``messageboard.wsgi:app``), after the checks a server must make."""

from messageboard import create_app
from messageboard.startup import check_can_serve

check_can_serve()
app = create_app()
