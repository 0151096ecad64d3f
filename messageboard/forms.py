"""The base of every form on the site (Flask-WTF's, with its CSRF token, reading text fields only),
and the fields forms of several features share."""

import re

from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from messageboard.core import KEY_MAX_LENGTH
from messageboard.core.setting import Setting, optional_seconds
from messageboard.validation import KEY_CHARACTERS, InvalidMessage, check_key

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

    def csrf_input(self) -> Markup:
        """The CSRF token's hidden input, or nothing for a form made without one (a styleguide state)."""
        return self.csrf_token() if self.meta.csrf else Markup("")


# The control characters an HTML document may not hold, even as references: all but tab, line feed,
# form feed and carriage return.
NOT_IN_HTML = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class _ShowsWhatWasTyped:
    """Redisplay the submitted value as typed, not as filtered, so a rejected form loses nothing but
    the control characters HTML cannot hold: each shows as U+FFFD (�), where the error says it was."""

    def _value(self):
        if not self.raw_data:
            return super()._value()
        return NOT_IN_HTML.sub("\ufffd", self.raw_data[0])


class TypedStringField(_ShowsWhatWasTyped, StringField):
    """A one-line text input that redisplays what was typed."""


class TypedTextAreaField(_ShowsWhatWasTyped, TextAreaField):
    """A textarea that redisplays what was typed."""


def _valid_key(form, field) -> None:
    try:
        check_key(field.data or "")
    except InvalidMessage as problem:
        raise ValidationError(str(problem)) from None


def key_field(label: str = "Key") -> TypedStringField:
    """A message key's input: trimmed, checked by the key rules, typed as a key rather than as prose."""
    return TypedStringField(
        label,
        description=f"Up to {KEY_MAX_LENGTH} characters: {KEY_CHARACTERS}.",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[_valid_key],
        render_kw={
            "maxlength": KEY_MAX_LENGTH,
            "required": True,
            "autocomplete": "off",
            "spellcheck": "false",
            "autocapitalize": "none",
        },
    )
