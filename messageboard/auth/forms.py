"""The login form; like every form it carries a CSRF token."""

from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from messageboard.core import EDITOR_NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH
from messageboard.forms import SiteForm
from messageboard.validation import FORBIDDEN_CONTROL_CHARACTER


def no_control_characters(_form, field) -> None:
    """No editor's name holds a control character (and PostgreSQL cannot even compare a NUL)."""
    if FORBIDDEN_CONTROL_CHARACTER.search(field.data or ""):
        raise ValidationError("Editor names have no control characters.")


class LoginForm(SiteForm):
    """An editor's name and password, and where to go afterwards."""

    name = StringField(
        "Name",
        validators=[
            InputRequired("Enter your editor name."),
            Length(max=EDITOR_NAME_MAX_LENGTH),
            no_control_characters,
        ],
        render_kw={
            "autocomplete": "username",
            "autocapitalize": "none",
            "spellcheck": "false",
            "maxlength": EDITOR_NAME_MAX_LENGTH,
            "required": True,
        },
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password."), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password", "required": True},
    )
    next = HiddenField()

    credentials_rejected = False

    def reject_credentials(self) -> None:
        """Say that the name and password do not match, without saying which is wrong."""
        self.credentials_rejected = True
        self.password.errors.append("Wrong name or password.")
