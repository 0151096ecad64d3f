"""The restore form: its CSRF token, and the revision of the message it was shown at."""

from wtforms import HiddenField

from messageboard.forms import SiteForm
from messageboard.store import parse_revision


class RestoreForm(SiteForm):
    """Restore a revision's text, if the message is still at the revision the page showed."""

    revision = HiddenField()

    def start_from(self, message) -> None:
        """Remember the message's revision as the page shows it."""
        self.revision.data = message.revision

    def has_revision(self) -> bool:
        """Whether the submitted revision is well formed."""
        return parse_revision(self.revision.data) is not None
