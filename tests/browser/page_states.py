"""Every state of every page of the site, each reached the way a visitor would reach it.

Each state is a function ``(page, site) -> HTTP status`` that sets up the data it needs, brings
the page into that state and returns the status the page was answered with. The accessibility and
layout tests run over them.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.browser.browser_helpers import click_and_load, open_page

LONG_TEXT = ("A long message that goes on and on, " * 270 + "the end.")[:10_000]
UNBROKEN = "https://example.org/" + "averylongpathwithnoplacetobreak" * 10  # wraps only with overflow-wrap
UNBROKEN_KEY = "akeyofsixtyfourcharacterswithnoplacetobreakitanywhereatall.v2xyz"


def seed_some(site) -> None:
    """The default greeting and a few messages, one of them long and one unbroken."""
    site.add_many(
        [
            ("default", "Hello to the World of Flask!"),
            ("groceries", "Milk, eggs, bread.\nAnd coffee."),
            (UNBROKEN_KEY, UNBROKEN),
            ("essay", LONG_TEXT),
            ("שלום", "Right-to-left: שלום עולם 👋"),
        ]
    )


def seed_many(site, count: int = 205) -> None:
    """Enough messages for eleven list pages (20 a page)."""
    site.add_many((f"message-{number:03}", f"Message number {number}.") for number in range(count))


def list_empty(page: Page, site) -> int:
    return open_page(page, "/")


def list_with_messages(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, "/")


def list_search(page: Page, site) -> int:
    seed_some(site)
    open_page(page, "/")
    page.get_by_role("searchbox").fill("e")
    return click_and_load(page, page.get_by_role("search").get_by_role("button", name="Search"))


def list_search_no_match(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, "/?q=nothing-like-this")


def list_paginated(page: Page, site) -> int:
    seed_many(site)
    return open_page(page, "/?page=5&sort=updated")


def show(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, "/messages/groceries")


def show_long(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, "/messages/essay")


def show_unbroken(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, f"/messages/{UNBROKEN_KEY}")


def show_after_add(page: Page, site) -> int:
    """The message page with its "Added" notice, after the add form."""
    open_page(page, "/messages/new")
    page.get_by_label("Key").fill("fresh")
    page.get_by_label("Text").fill("Just added.")
    return click_and_load(page, page.get_by_role("button", name="Add message"))


def new(page: Page, site) -> int:
    return open_page(page, "/messages/new")


def new_with_errors(page: Page, site) -> int:
    """The add form sent with a bad key and an empty text: both fields in error."""
    open_page(page, "/messages/new")
    page.get_by_label("Key").fill("not a valid key!")
    return click_and_load(page, page.get_by_role("button", name="Add message"))


def edit(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, "/messages/groceries/edit")


def edit_with_errors(page: Page, site) -> int:
    seed_some(site)
    open_page(page, "/messages/groceries/edit")
    page.get_by_label("Text").fill("")
    return click_and_load(page, page.get_by_role("button", name="Save"))


def edit_conflict(page: Page, site) -> int:
    """Someone saved the message while this visitor was editing it."""
    seed_some(site)
    open_page(page, "/messages/groceries/edit")
    page.get_by_label("Text").fill("Milk, eggs, bread.\nAnd tea, not coffee.")
    site.put("groceries", "Milk, eggs, bread.\nAnd coffee. And cheese, please.")
    return click_and_load(page, page.get_by_role("button", name="Save"))


def edit_conflict_deleted(page: Page, site) -> int:
    """Someone deleted the message while this visitor was editing it."""
    seed_some(site)
    open_page(page, "/messages/groceries/edit")
    page.get_by_label("Text").fill("My careful words.")
    site.delete("groceries")
    return click_and_load(page, page.get_by_role("button", name="Save"))


def delete_confirm(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, "/messages/groceries/delete")


def delete_confirm_long_key(page: Page, site) -> int:
    seed_some(site)
    return open_page(page, f"/messages/{UNBROKEN_KEY}/delete")


def list_after_delete(page: Page, site) -> int:
    """The list with its "Deleted" notice."""
    seed_some(site)
    open_page(page, "/messages/groceries/delete")
    return click_and_load(page, page.get_by_role("button", name="Delete groceries"))


def trash(page: Page, site) -> int:
    """The trash holding two messages deleted through the forms."""
    list_after_delete(page, site)
    open_page(page, f"/messages/{UNBROKEN_KEY}/delete")
    click_and_load(page, page.get_by_role("button", name=f"Delete {UNBROKEN_KEY}"))
    return open_page(page, "/trash")


def trash_empty(page: Page, site) -> int:
    return open_page(page, "/trash")


def trash_key_taken(page: Page, site) -> int:
    """Restoring a deleted message whose key a new message took meanwhile."""
    list_after_delete(page, site)
    site.put("groceries", "A new list under the old key.")
    open_page(page, "/trash")
    return click_and_load(page, page.get_by_role("button", name="Restore groceries"))


def error_404_message(page: Page, site) -> int:
    return open_page(page, "/messages/nobody")


def error_404_url(page: Page, site) -> int:
    return open_page(page, "/no/such/page")


def error_404_past_last_page(page: Page, site) -> int:
    return open_page(page, "/?page=9")


def error_400_bad_page_number(page: Page, site) -> int:
    return open_page(page, "/?page=two")


def error_400_csrf(page: Page, site) -> int:
    """A form whose CSRF token no longer matches (an expired or forged form)."""
    open_page(page, "/messages/new")
    page.locator("main input[name=csrf_token]").evaluate("input => input.value = 'forged'")
    page.get_by_label("Key").fill("forged")
    page.get_by_label("Text").fill("Forged")
    return click_and_load(page, page.get_by_role("button", name="Add message"))


def error_405(page: Page, site) -> int:
    """A POST to a page that only answers GET."""
    open_page(page, "/")
    with page.expect_navigation() as navigation:
        page.evaluate("""() => {
            const form = Object.assign(document.createElement("form"), {method: "post", action: "/messages/x"});
            document.body.append(form);
            form.submit();
        }""")
    return navigation.value.status


def error_413(page: Page, site) -> int:
    """A form larger than MAX_CONTENT_LENGTH."""
    open_page(page, "/messages/new")
    page.get_by_label("Key").fill("huge")
    page.get_by_label("Text").evaluate("area => area.value = 'x'.repeat(300000)")
    return click_and_load(page, page.get_by_role("button", name="Add message"))


# Each state and the status it must be answered with.
def history(page: Page, site) -> int:
    for text in ("Milk, eggs.", "Milk, eggs, bread.", "Milk, eggs, bread.\nAnd coffee."):
        site.put("groceries", text)
    open_page(page, "/messages/groceries")
    return click_and_load(page, page.get_by_role("link", name="History"))


def diff_right_to_left(page: Page, site) -> int:
    site.put("שלום", "שלום עולם 👋")
    site.put("שלום", "שלום לכולם 👋, Right-to-left")
    return open_page(page, "/messages/שלום/diff")


def revision_old(page: Page, site) -> int:
    history(page, site)
    return click_and_load(page, page.get_by_role("link", name="Revision 1", exact=True))


STATES: dict[str, tuple[Callable[[Page, object], int], int]] = {
    "list-empty": (list_empty, 200),
    "list": (list_with_messages, 200),
    "list-search": (list_search, 200),
    "list-search-no-match": (list_search_no_match, 200),
    "list-paginated": (list_paginated, 200),
    "list-after-delete": (list_after_delete, 200),
    "show": (show, 200),
    "show-long": (show_long, 200),
    "show-unbroken": (show_unbroken, 200),
    "show-after-add": (show_after_add, 200),
    "new": (new, 200),
    "new-with-errors": (new_with_errors, 422),
    "edit": (edit, 200),
    "edit-with-errors": (edit_with_errors, 422),
    "edit-conflict": (edit_conflict, 409),
    "edit-conflict-deleted": (edit_conflict_deleted, 409),
    "history": (history, 200),
    "revision-old": (revision_old, 200),
    "diff-right-to-left": (diff_right_to_left, 200),
    "trash": (trash, 200),
    "trash-empty": (trash_empty, 200),
    "trash-key-taken": (trash_key_taken, 409),
    "delete-confirm": (delete_confirm, 200),
    "delete-confirm-long-key": (delete_confirm_long_key, 200),
    "error-404-message": (error_404_message, 404),
    "error-404-url": (error_404_url, 404),
    "error-404-past-last-page": (error_404_past_last_page, 404),
    "error-400-bad-page-number": (error_400_bad_page_number, 400),
    "error-400-csrf": (error_400_csrf, 400),
    "error-405": (error_405, 405),
    "error-413": (error_413, 413),
}


def bring_to(state: str, page: Page, site) -> None:
    """Bring ``page`` into the named state, checking the status it was answered with."""
    reach, expected_status = STATES[state]
    status = reach(page, site)
    assert status == expected_status, f"{state}: answered {status}, expected {expected_status}"
