"""The site's forms in a real browser: add, edit, delete, the edit conflict, search and pagination."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_helpers import click_and_load, open_page
from tests.browser.conftest import EDITOR, EDITOR_PASSWORD

pytestmark = pytest.mark.browser


def listed_keys(page) -> list[str]:
    """The message keys on a list page, in page order."""
    return page.locator(".message-list .message-key").all_inner_texts()


def test_add_a_message_through_the_form(page, site):
    open_page(page, "/")
    expect(page.get_by_text("No messages yet.")).to_be_visible()
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Add a message").click()
    expect(page).to_have_url(re.compile(r"/messages/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a message")

    page.get_by_label("Key").fill("greeting")
    text = page.get_by_label("Text")
    text.fill("Hello\nfrom a real browser")
    expect(page.get_by_text("9,975 characters left")).to_be_visible()  # char-count.js
    assert click_and_load(page, page.get_by_role("button", name="Add message")) == 200

    expect(page).to_have_url(re.compile(r"/messages/greeting$"))
    expect(page.get_by_role("status")).to_have_text("Added greeting.")
    expect(page.get_by_role("heading", level=1)).to_have_text("greeting")
    expect(page.locator(".message-text")).to_have_text("Hello\nfrom a real browser")
    assert site.get("greeting").text == "Hello\nfrom a real browser"

    page.get_by_role("link", name="All messages").click()
    expect(page.get_by_role("link", name="greeting", exact=True)).to_be_visible()
    expect(page.locator(".summary")).to_have_text("1 message.")


def test_a_rejected_form_says_what_is_wrong_next_to_the_field_and_keeps_what_was_typed(page, site):
    open_page(page, "/messages/new")
    page.get_by_label("Text").fill("Typed, not lost")
    assert click_and_load(page, page.get_by_role("button", name="Add message")) == 422

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem: nothing was saved")
    expect(summary).to_be_focused()  # the GOV.UK pattern: the summary first, then each field from its link
    summary.get_by_role("link", name="Key is required.").click()
    key = page.get_by_label("Key")
    expect(key).to_be_focused()
    expect(key).to_have_attribute("aria-invalid", "true")
    # The error sits in the key's field and is read out with the input, after the hint.
    expect(page.locator(".field", has=key).locator(".errors")).to_have_text("Key is required.")
    expect(key).to_have_accessible_description(re.compile(r"It becomes the message's address\. Key is required\.$"))
    text = page.get_by_label("Text")
    expect(text).to_have_value("Typed, not lost")
    expect(text).not_to_have_attribute("aria-invalid", "true")
    assert site.keys() == []

    key.fill("fixed")
    assert click_and_load(page, page.get_by_role("button", name="Add message")) == 200
    assert site.get("fixed").text == "Typed, not lost"


def test_a_taken_key_is_refused_next_to_the_key(page, site):
    site.add("taken", "First")
    open_page(page, "/messages/new")
    page.get_by_label("Key").fill("taken")
    page.get_by_label("Text").fill("Second")
    assert click_and_load(page, page.get_by_role("button", name="Add message")) == 422
    expect(page.locator(".field", has=page.get_by_label("Key")).locator(".errors")).to_have_text(
        "Key 'taken' is taken; choose another or edit that message."
    )
    assert site.get("taken").text == "First"


def test_edit_a_message_through_the_form(page, site):
    site.add("note", "Before")
    open_page(page, "/messages/note")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit note")
    text = page.get_by_label("Text")
    expect(text).to_have_value("Before")
    text.fill("After\n\twith a tab")
    assert click_and_load(page, page.get_by_role("button", name="Save")) == 200

    expect(page).to_have_url(re.compile(r"/messages/note$"))
    expect(page.get_by_role("status")).to_have_text("Saved note.")
    expect(page.locator(".message-text")).to_have_text("After\n\twith a tab")
    stored = site.get("note")
    assert (stored.text, stored.version) == ("After\n\twith a tab", 2)


def test_an_empty_edit_is_refused_and_changes_nothing(page, site):
    site.add("note", "Kept")
    open_page(page, "/messages/note/edit")
    page.get_by_label("Text").fill("   ")
    assert click_and_load(page, page.get_by_role("button", name="Save")) == 422
    expect(page.get_by_label("Text")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-invalid .errors")).to_have_text("Text is required.")
    assert site.get("note").text == "Kept"


def test_delete_a_message_through_the_confirm_page(page, site):
    site.add("doomed", "Short-lived")
    site.add("other", "Stays")
    open_page(page, "/messages/doomed")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete doomed?")
    expect(page.locator("blockquote.message-text")).to_have_text("Short-lived")

    page.get_by_role("link", name="Keep it").click()  # cancelling keeps it
    expect(page).to_have_url(re.compile(r"/messages/doomed$"))
    assert site.get("doomed") is not None

    page.get_by_role("link", name="Delete").click()
    assert click_and_load(page, page.get_by_role("button", name="Delete doomed")) == 200
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_have_text("Deleted doomed. It can be restored from the trash.")
    assert listed_keys(page) == ["other"]
    assert site.keys() == ["other"]
    assert open_page(page, "/messages/doomed") == 404
    expect(page.locator(".error-description")).to_have_text(
        "There is no message with the key “doomed”. It may have been deleted, or the address mistyped."
    )


def test_the_second_of_two_simultaneous_edits_gets_the_conflict_page_with_both_texts(new_context, site):
    site.add("shared", "The original")
    alice = new_context(base_url=site.url).new_page()
    bob = new_context(base_url=site.url).new_page()
    for visitor in (alice, bob):
        open_page(visitor, "/messages/shared/edit")
        expect(visitor.get_by_label("Text")).to_have_value("The original")

    alice.get_by_label("Text").fill("Alice's version")
    assert click_and_load(alice, alice.get_by_role("button", name="Save")) == 200
    bob.get_by_label("Text").fill("Bob's version")
    assert click_and_load(bob, bob.get_by_role("button", name="Save")) == 409

    conflict = bob.get_by_role("alert")
    expect(conflict).to_contain_text("Someone else changed this message")
    theirs = bob.get_by_role("region", name="Their version (saved)")
    expect(theirs.locator(".message-text")).to_have_text("Alice's version")
    expect(bob.get_by_label("Text")).to_have_value("Bob's version")
    assert site.get("shared").text == "Alice's version"

    # Having seen Alice's text, Bob saves again on purpose and replaces it.
    # The button says what it does now: it replaces the version Alice saved.
    assert click_and_load(bob, bob.get_by_role("button", name="Replace their version")) == 200
    expect(bob.get_by_role("status")).to_have_text("Saved shared.")
    assert site.get("shared").text == "Bob's version"


def test_an_edit_of_a_message_deleted_meanwhile_gives_the_text_back(page, site):
    site.add("gone", "Soon deleted")
    open_page(page, "/messages/gone/edit")
    page.get_by_label("Text").fill("My careful words")
    site.delete("gone")
    assert click_and_load(page, page.get_by_role("button", name="Save")) == 409
    expect(page.get_by_role("alert")).to_contain_text("Someone else deleted this message")
    expect(page.get_by_label("Text")).to_have_value("My careful words")
    assert site.get("gone") is None


def test_search_through_the_search_box(page, site):
    site.add_many(
        [("apple", "A red fruit"), ("banana", "A yellow FRUIT"), ("carrot", "A vegetable"), ("fruitcake", "Baked")]
    )
    open_page(page, "/")
    assert listed_keys(page) == ["apple", "banana", "carrot", "fruitcake"]
    search = page.get_by_role("search")
    search.get_by_role("searchbox", name="Search keys and texts").fill("fruit")
    assert click_and_load(page, search.get_by_role("button", name="Search")) == 200

    expect(page).to_have_url(re.compile(r"/\?q=fruit&sort=key$"))
    expect(page).to_have_title("Search: fruit · Messageboard")
    expect(page.locator(".summary")).to_have_text("3 messages match “fruit”.")
    assert listed_keys(page) == ["apple", "banana", "fruitcake"]
    expect(search.get_by_role("searchbox")).to_have_value("fruit")

    search.get_by_role("searchbox").fill("kiwi")
    search.get_by_role("searchbox").press("Enter")
    expect(page.locator(".empty-title")).to_have_text("Nothing matches “kiwi”.")
    page.get_by_role("link", name="Add a message with the key “kiwi”").click()
    expect(page.get_by_label("Key")).to_have_value("kiwi")
    page.go_back()
    page.get_by_role("link", name="Clear the search").click()
    expect(page.locator(".summary")).to_have_text("4 messages.")


def test_search_order_by_latest_change(page, site):
    site.add_many([("apple", "A"), ("banana", "B")])
    site.put("apple", "A, changed last")
    open_page(page, "/")
    search = page.get_by_role("search")
    search.get_by_label("Order").select_option(label="Recently changed first")
    assert click_and_load(page, search.get_by_role("button", name="Search")) == 200
    assert listed_keys(page) == ["apple", "banana"]
    expect(search.get_by_label("Order")).to_have_value("updated")


def test_pagination_by_next_previous_and_page_links(page, site):
    site.add_many(
        (f"m{number:02}", f"Message {number}, {'even' if number % 2 == 0 else 'odd'}") for number in range(45)
    )
    open_page(page, "/")
    pages = page.get_by_role("navigation", name="Pages")
    expect(page.locator(".summary")).to_have_text("45 messages.")
    assert listed_keys(page) == [f"m{number:02}" for number in range(20)]
    expect(pages.locator("[aria-current=page]")).to_have_text("1")
    expect(pages.get_by_role("link", name="Previous")).to_have_count(0)

    pages.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/\?page=2$"))
    assert listed_keys(page) == [f"m{number:02}" for number in range(20, 40)]
    expect(pages.locator("[aria-current=page]")).to_have_text("2")

    pages.get_by_role("link", name="3", exact=True).click()
    expect(page).to_have_url(re.compile(r"/\?page=3$"))
    assert listed_keys(page) == [f"m{number:02}" for number in range(40, 45)]
    expect(pages.get_by_role("link", name="Next")).to_have_count(0)

    pages.get_by_role("link", name="Previous").click()
    expect(page).to_have_url(re.compile(r"/\?page=2$"))
    pages.get_by_role("link", name="1", exact=True).click()
    expect(page).to_have_url(re.compile(r"/\?page=1$"))
    assert listed_keys(page)[0] == "m00"


def test_pagination_keeps_the_search(page, site):
    site.add_many(
        (f"m{number:02}", f"Message {number}, {'even' if number % 2 == 0 else 'odd'}") for number in range(45)
    )
    open_page(page, "/?q=even")
    expect(page.locator(".summary")).to_have_text("23 messages match “even”.")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/\?page=2&q=even$"))
    assert listed_keys(page) == ["m40", "m42", "m44"]
    expect(page.get_by_role("searchbox")).to_have_value("even")


def test_a_visitor_logs_in_to_add_and_lands_back_on_the_form_then_logs_out(new_context, site):
    page = new_context(base_url=site.url, anonymous=True).new_page()
    open_page(page, "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Add a message").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fmessages%2Fnew$"))
    expect(page.get_by_role("status")).to_have_text("Log in as an editor to change messages.")

    page.get_by_label("Name").fill(EDITOR)
    page.get_by_label("Password").fill("not the password at all")
    assert click_and_load(page, page.get_by_role("button", name="Log in")) == 401
    expect(page.locator("#password-errors")).to_have_text("Wrong name or password.")

    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    assert click_and_load(page, page.get_by_role("button", name="Log in")) == 200
    expect(page).to_have_url(re.compile(r"/messages/new$"))
    expect(page.locator(".editor-name")).to_have_text(EDITOR)

    assert click_and_load(page, page.get_by_role("button", name="Log out")) == 200
    expect(page.get_by_role("status")).to_have_text("Logged out.")
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name="Log in")).to_be_visible()
