"""axe-core on every state of the styleguide (/_styleguide), which draws every page and macro from sample data.

The states are read from the styleguide's index at run time, so a state added to its fixtures is
checked without touching this file. They are split into a few shards to spread across xdist workers.
"""

import pytest

from tests.browser.browser_helpers import axe_violations, describe_violations, open_page

pytestmark = pytest.mark.browser

SHARDS = 6
INDEX = "/_styleguide/"


def styleguide_pages(page, site) -> list[str]:
    """The index and every page it links to, in the order the index lists them."""
    status = open_page(page, INDEX)
    if status == 404:
        pytest.skip("this version of the site has no styleguide at /_styleguide/ (STYLEGUIDE is on in staging)")
    assert status == 200, f"{INDEX} answered {status}; the server's log ends:\n{site.server.log()[-3000:]}"
    links = page.locator(f"main a[href^='{INDEX}']").evaluate_all("links => links.map(link => link.pathname)")
    return [INDEX, *dict.fromkeys(link for link in links if link != INDEX)]


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_serious_accessibility_violation_in_the_styleguide(page, site, shard):
    pages = styleguide_pages(page, site)
    assert len(pages) > SHARDS, f"the styleguide index links to too few states: {pages}"
    problems = []
    for path in pages[shard::SHARDS]:
        status = open_page(page, path)
        assert status == 200, f"{path} answered {status}; the server's log ends:\n{site.server.log()[-3000:]}"
        if violations := axe_violations(page):
            problems.append(f"{path}:\n{describe_violations(violations)}")
    assert not problems, "axe-core on the styleguide:\n" + "\n".join(problems)
