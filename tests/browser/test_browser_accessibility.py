"""axe-core on every page of the site, in each state: no serious or critical violation."""

import pytest

from tests.browser.browser_helpers import axe_violations, describe_violations
from tests.browser.page_states import STATES, bring_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("state", STATES)
def test_no_serious_accessibility_violation(page, site, state):
    bring_to(state, page, site)
    violations = axe_violations(page)
    assert not violations, f"axe-core on {state} ({page.url}):\n{describe_violations(violations)}"
