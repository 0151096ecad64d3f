"""The Nu Html Checker finds no error in any page state the browser tests visit, with live data."""

import pytest

from tests.browser.page_states import STATES, bring_to
from tests.html_validity import vnu_errors, write_page

pytestmark = pytest.mark.browser


def test_every_page_state_is_valid_html(new_context, site, tmp_path):
    # One page after another, then one check of them all: the checker's JVM takes seconds to start.
    for state in STATES:
        site.clear()
        page = new_context(base_url=site.url).new_page()
        bring_to(state, page, site)
        write_page(tmp_path, state, page.content())
        page.context.close()
    errors = vnu_errors(tmp_path)
    assert not errors, "\n".join(errors)
