"""The restore form of a deleted message: its CSRF token and the key to restore it under."""

from __future__ import annotations

from messageboard.forms import SiteForm, key_field
from messageboard.store import TrashedMessage


class UndeleteForm(SiteForm):
    """Restore a deleted message, under its own key or another."""

    key = key_field("Restore as")

    @classmethod
    def of(cls, trashed: TrashedMessage, **options) -> UndeleteForm:
        """The form of one deleted message; its fields' names and ids are its own, so a page can hold
        one for each (Flask-WTF finds a prefixed CSRF token)."""
        return cls(prefix=f"restore-{trashed.message.id}", **options)

    @classmethod
    def opened_on(cls, trashed: TrashedMessage, **options) -> UndeleteForm:
        """The form of one deleted message before any submission, offering its own key."""
        form = cls.of(trashed, formdata=None, **options)
        form.key.data = trashed.message.key
        return form

    def offer_other_key(self, suggestion: str | None) -> None:
        """Say by the key that another message has it now, and fill in ``suggestion`` instead (if any)."""
        problem = f"Key {self.key.data!r} is taken by another message now; restore this one under another key"
        # A list: before any validation WTForms holds a field's errors as an empty tuple.
        self.key.errors = [
            *self.key.errors,
            f"{problem}, such as {suggestion!r} (filled in)." if suggestion else f"{problem}.",
        ]
        if suggestion:
            self.key.raw_data = None
            self.key.data = suggestion
