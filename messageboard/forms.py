"""The base of every form on the site: Flask-WTF's, with its CSRF token, reading text fields only."""

from flask import request
from flask_wtf import FlaskForm

from messageboard.core.setting import Setting, optional_seconds

SETTINGS: tuple[Setting, ...] = (
    # Seconds a form's CSRF token stays valid: a form open longer asks to be reloaded (None: forever).
    optional_seconds("WTF_CSRF_TIME_LIMIT", 3600 * 8, none_means="no limit"),
)


class SiteForm(FlaskForm):
    """A form whose fields are read from the submitted form's text fields, and nothing else.

    Flask-WTF also fills fields from uploaded files and from a JSON body, so a field the site reads
    as text would get a file, a number or a list, and fail with a 500 where the form should say
    what is missing. No form on the site takes files or JSON: sent that way, a field is missing.
    """

    def __init__(self, *args, **kwargs):
        if not args and "formdata" not in kwargs:
            kwargs["formdata"] = request.form if self.is_submitted() else None
        super().__init__(*args, **kwargs)
