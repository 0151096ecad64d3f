"""axe-core on every page of the site, in each state, light and dark: no serious or critical violation."""

import pytest

from tests.browser.browser_helpers import axe_violations, describe_violations
from tests.browser.page_states import STATES, bring_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation(new_context, site, scheme, state):
    page = new_context(base_url=site.url, color_scheme=scheme).new_page()
    bring_to(state, page, site)
    violations = axe_violations(page)
    assert not violations, f"axe-core on {state} in {scheme} ({page.url}):\n{describe_violations(violations)}"
