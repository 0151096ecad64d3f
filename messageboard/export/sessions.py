"""Sessions for a site that exports itself: an exported page has none, so it carries no cookie."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from messageboard.render_mode import mode_of


class NoSessionForExports(SecureCookieSessionInterface):
    """The usual signed-cookie session, except that an export's page has none, so it sets no cookie."""

    def open_session(self, app, request):
        """A read-only empty session for export requests; the cookie's session otherwise."""
        if mode_of(request.environ).exported:
            return self.make_null_session(app)
        return super().open_session(app, request)
