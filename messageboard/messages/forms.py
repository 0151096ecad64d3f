"""The message forms; every one carries a CSRF token (Flask-WTF)."""

from wtforms import HiddenField
from wtforms.validators import ValidationError

from messageboard.core import TEXT_MAX_LENGTH
from messageboard.forms import SiteForm, TypedTextAreaField, key_field
from messageboard.store import parse_revision
from messageboard.validation import InvalidMessage, check_text, normalize_text


def _valid_text(form, field) -> None:
    try:
        check_text(field.data or "")
    except InvalidMessage as problem:
        raise ValidationError(str(problem)) from None


def _normalized(value):
    return normalize_text(value) if isinstance(value, str) else value


def text_field() -> TypedTextAreaField:
    """A message text's input, shared by the add and edit forms: line endings made LF, checked by the text rules."""
    return TypedTextAreaField(
        "Text",
        filters=[_normalized],
        validators=[_valid_text],
        render_kw={"rows": 8, "required": True, "dir": "auto", "data-max-length": TEXT_MAX_LENGTH},
    )


class NewMessageForm(SiteForm):
    """Add a message: a new key and its text (in that order, as the page and its error summary list them)."""

    key = key_field()
    text = text_field()

    def reject_taken_key(self) -> None:
        """Say next to the key that another message has it (the store refused it)."""
        self.key.errors.append(f"Key {self.key.data!r} is taken; choose another or edit that message.")


class EditMessageForm(SiteForm):
    """Edit a message's text, remembering which revision of it the edit started from."""

    text = text_field()
    revision = HiddenField()

    def start_from(self, message) -> None:
        """Fill the form with the message's text and remember its revision."""
        self.text.data = message.text
        self.revision.data = message.revision

    def has_revision(self) -> bool:
        """Whether the submitted revision is well formed."""
        return parse_revision(self.revision.data) is not None

    def rebase(self, message) -> None:
        """Make a resubmission replace ``message`` as it is now (after the user saw the conflict)."""
        self.revision.raw_data = None
        self.revision.data = message.revision


class DeleteMessageForm(SiteForm):
    """Confirm a delete; the form is only its CSRF token."""
