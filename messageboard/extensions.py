"""Extension objects, created here uninitialised and bound to each app in ``create_app``."""

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from messageboard.database import Database

csrf = CSRFProtect()
db = Database()
login_manager = LoginManager()
