"""The styleguide: every page template and macro in each state, from the fixtures file, touching no data."""

import re
import shutil

import pytest
from flask import template_rendered

from messageboard import store
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.extensions import db
from messageboard.startup import check_can_serve
from tests.helpers import (
    LOCAL_HOSTS,
    STYLEGUIDE_FIXTURES,
    add_message,
    assert_no_inline_code,
    parse,
    styleguide_fixtures,
)

STATES = styleguide_fixtures()["states"]
MACROS = styleguide_fixtures()["macros"]
STANDALONE_TEMPLATES = {"errors/asset_build.html", "errors/template_error.html"}  # not extending base.html


@pytest.fixture
def guide(guide_app):
    """A client of the styleguide app."""
    return guide_app.test_client()


def state_page(guide, name: str):
    """GET a state page, which always answers 200, and parse it."""
    response = guide.get(f"/_styleguide/{name}")
    assert response.status_code == 200, name
    return parse(response)


def excerpt(page, key: str):
    """The excerpt of the list row of ``key``."""
    return next(
        row for row in page.select(".message-row") if row.select_one(".message-key").get_text() == key
    ).select_one(".message-excerpt")


def test_the_index_links_every_state_under_its_template(guide):
    response = guide.get("/_styleguide/")
    assert response.status_code == 200
    page = parse(response)
    listed = {}
    for section in page.select("section.styleguide-group"):
        template = section.select_one("h2 code").get_text()
        for item in section.select(".styleguide-states li"):
            link = item.select_one("a")
            listed[link["href"]] = (template, link.get_text(), item.select_one(".styleguide-status").get_text())
    assert {href: (template, title) for href, (template, title, _) in listed.items()} == {
        f"/_styleguide/{state['name']}": (state["template"], state["title"]) for state in STATES
    }
    assert {href: status.split()[0] for href, (_, _, status) in listed.items()} == {
        f"/_styleguide/{state['name']}": str(state["status"]) for state in STATES
    }
    assert listed["/_styleguide/new-key-taken"][2] == "422 Unprocessable Entity"
    assert listed["/_styleguide/edit-conflict"][2] == "409 Conflict"


def test_slashless_address_leads_to_the_index(guide):
    response = guide.get("/_styleguide")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/_styleguide/")


@pytest.mark.parametrize("state", STATES, ids=[state["name"] for state in STATES])
def test_each_state_is_its_real_template_answering_200_and_naming_the_real_status(guide_app, guide, state):
    rendered = []
    with template_rendered.connected_to(
        lambda sender, template, context, **extra: rendered.append(template.name), guide_app
    ):
        response = guide.get(f"/_styleguide/{state['name']}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert rendered[0] == state["template"]
    page = parse(response)
    assert_no_inline_code(page)
    notice = page.select_one(".styleguide-notice")
    if state["template"] in STANDALONE_TEMPLATES:
        assert notice is None
    else:
        assert notice.select_one("a")["href"] == "/_styleguide/"
        assert f"The real page answers {state['status']} " in notice.get_text(" ", strip=True)


def test_an_unknown_state_is_not_found(guide):
    assert guide.get("/_styleguide/no-such-state").status_code == 404


def test_the_empty_list(guide):
    page = state_page(guide, "list-empty")
    assert page.select_one(".summary") is None  # the empty state says it, once
    assert page.select_one(".empty").get_text(" ", strip=True) == "No messages yet. Add the first one"
    assert page.select(".message-row") == [] and page.select_one(".greeting") is None


def test_one_message(guide):
    page = state_page(guide, "list-one")
    assert page.select_one(".summary").get_text() == "1 message."
    assert [link.get_text() for link in page.select(".message-row .message-key")] == ["default"]
    assert page.select_one(".greeting").get_text() == "Hello to the World of Flask!"


def test_page_3_of_50_links_its_neighbours_and_both_ends(guide_app, guide):
    page = state_page(guide, "list-many-pages")
    per_page = guide_app.config["MESSAGES_PER_PAGE"]
    keys = [link.get_text() for link in page.select(".message-row .message-key")]
    assert keys == [f"note-{n:04}" for n in range(2 * per_page + 1, 3 * per_page + 1)]
    assert page.select_one(".summary").get_text() == f"{50 * per_page} messages."
    nav = page.select_one("nav.pagination")
    assert nav.select_one('[aria-current="page"]').get_text() == "3"
    assert [item.get_text() for item in nav.select("li")] == ["1", "2", "3", "4", "5", "…", "50"]
    assert nav.select_one('a[rel="prev"]')["href"] == "/?page=2"
    assert nav.select_one('a[rel="next"]')["href"] == "/?page=4"


def test_the_last_page_has_no_next_link(guide):
    nav = state_page(guide, "list-last-page").select_one("nav.pagination")
    assert nav.select_one('[aria-current="page"]').get_text() == "50"
    assert nav.select_one('a[rel="next"]') is None and nav.select_one('a[rel="prev"]')["href"] == "/?page=49"


def test_search_results_keep_the_search_and_the_order(guide):
    page = state_page(guide, "list-search")
    assert page.select_one(".summary").get_text() == "3 messages match “Flask”."
    assert page.select_one("#q")["value"] == "Flask"
    assert page.select_one("#sort option[selected]")["value"] == "updated"
    assert [link.get_text() for link in page.select(".message-row .message-key")] == ["default", "arabic", "hebrew"]


def test_a_search_that_finds_nothing(guide):
    page = state_page(guide, "list-search-nothing")
    assert page.select_one(".summary") is None
    assert page.select_one(".empty-title").get_text(" ", strip=True) == "Nothing matches “ zebra ”."
    assert [link.get_text(" ", strip=True) for link in page.select(".empty a")] == [
        "Clear the search",
        "Add a message with the key “ zebra ”",
    ]
    assert page.select_one(".empty a")["href"] == "/"


def test_the_10000_character_message_in_full_and_cut_in_the_list(guide):
    text = state_page(guide, "show-long").select_one(".message-text").get_text()
    assert len(text) == 10_000 and text.startswith("This message is as long as a message may be")
    cut = excerpt(state_page(guide, "list-long-message"), "ten-thousand").get_text()
    assert len(cut) <= 160 and cut.endswith("...")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("show-arabic", "مرحبا بالعالم! هذه رسالة قصيرة باللغة العربية، فيها الرقم 42 وكلمة Flask في وسطها."),
        ("show-hebrew", "שלום עולם! זו הודעה קצרה בעברית, עם המספר 42 והמילה Flask באמצע."),
        ("show-mixed-direction", "Peace is سلام in Arabic and שלום in Hebrew."),
        (
            "show-emoji",
            "Party time 🎉🎂 with the family 👩‍👩‍👧‍👦, waving 👋🏽 at 🇫🇷 and 🇯🇵; also 漢字, Ελληνικά and кириллица.",
        ),
    ],
)
def test_unicode_text_is_whole_and_its_direction_follows_the_text(guide, name, text):
    shown = state_page(guide, name).select_one(".message-text")
    assert shown.get_text() == text
    assert shown["dir"] == "auto"


def test_every_user_text_in_the_list_and_forms_takes_its_own_direction(guide):
    page = state_page(guide, "list-several")
    assert {shown.get("dir") for shown in page.select(".message-excerpt")} == {"auto"}
    assert excerpt(page, "arabic").get_text().startswith("مرحبا بالعالم!")
    assert excerpt(page, "hebrew").get_text().startswith("שלום עולם!")
    assert page.select_one(".greeting")["dir"] == "auto"
    textarea = state_page(guide, "new-right-to-left").select_one("textarea")
    assert textarea["dir"] == "auto" and textarea.get_text().strip() == "مرحبا بالعالم! 👋🏽"


@pytest.mark.parametrize(
    ("name", "field", "problem"),
    [
        ("new-key-required", "key", "Key is required."),
        ("new-key-too-long", "key", "Key is 65 characters long; the limit is 64."),
        (
            "new-key-bad-characters",
            "key",
            "Key may use only a-z, A-Z, 0-9, '-', '_' and '.' (no accents or spaces), not ' ', '/'.",
        ),
        ("new-key-reserved", "key", "Key 'new' is reserved by the site; choose another."),
        ("new-key-taken", "key", "Key 'default' is taken; choose another or edit that message."),
        ("new-text-required", "text", "Text is required."),
        ("new-text-too-long", "text", "Text is 10,001 characters long; the limit is 10,000."),
        (
            "new-text-control-character",
            "text",
            "Text contains the control character U+0007 at position 16; only line breaks and tabs are allowed.",
        ),
        ("edit-text-required", "text", "Text is required."),
        ("edit-text-too-long", "text", "Text is 10,001 characters long; the limit is 10,000."),
        (
            "edit-text-control-character",
            "text",
            "Text contains the control character U+001B at position 7; only line breaks and tabs are allowed.",
        ),
    ],
)
def test_each_validation_error_shows_next_to_its_field(guide, name, field, problem):
    page = state_page(guide, name)
    summary = page.select_one(".error-summary[role=alert]")
    assert summary.select_one("h2").get_text() == "There is a problem: nothing was saved"
    assert [(link.get_text(), link["href"]) for link in summary.select("li a")] == [(problem, f"#{field}")]
    wrapper = page.select_one(f".field-invalid:has(#{field})")
    assert [item.get_text() for item in wrapper.select(f"#{field}-errors li")] == [problem]
    assert f"{field}-errors" in page.select_one(f"#{field}")["aria-describedby"].split()
    assert page.select(".field-invalid") == [wrapper]


def test_both_fields_rejected_at_once(guide):
    page = state_page(guide, "new-several-errors")
    summary_links = [(link.get_text(), link["href"]) for link in page.select(".error-summary li a")]
    assert summary_links == [("Key is required.", "#key"), ("Text is required.", "#text")]
    assert [item.get_text() for item in page.select(".errors li")] == ["Key is required.", "Text is required."]


def test_a_rejected_form_keeps_what_was_typed(guide):
    page = state_page(guide, "new-key-bad-characters")
    assert page.select_one("#key")["value"] == "my notes/today"
    assert page.select_one("#text").get_text().strip() == "Keys are part of the message's address."


def test_the_edit_conflict_shows_their_text_beside_yours(guide):
    page = state_page(guide, "edit-conflict")
    conflict = page.select_one(".conflict[role=alert]")
    assert "Someone else changed this message" in conflict.get_text()
    assert conflict.select_one("time")["datetime"] == "2026-03-14T10:02:00Z"
    theirs, yours = page.select(".conflict-sides > section")
    assert theirs.select_one(".message-text").get_text() == (
        "Hello to the World of Flask! Now with a second sentence, saved by someone else."
    )
    assert yours.select_one("textarea").get_text().strip() == "Hello to the World of Flask, as I would have it."
    assert yours.select_one("button[type=submit]").get_text() == "Replace their version"
    assert page.select_one(".conflict-diff .diff") is not None
    # Rebased as the view does: saving again replaces their version on purpose.
    assert page.select_one('input[name="revision"]')["value"] == "1.3"


def test_the_edit_conflict_after_a_delete_offers_to_add_the_text_anew(guide):
    page = state_page(guide, "edit-conflict-deleted")
    conflict = page.select_one(".conflict")
    assert "Someone else deleted this message" in conflict.get_text()
    assert conflict.select_one("a")["href"] == "/messages/new"
    assert page.select_one(".conflict-current") is None


def test_the_edit_form_opens_on_the_message_and_its_revision(guide):
    page = state_page(guide, "edit")
    assert page.select_one("textarea").get_text().strip() == "Hello to the World of Flask!"
    assert page.select_one('input[name="revision"]')["value"] == "1.2"
    assert page.select(".errors") == [] and page.select_one(".conflict") is None


def test_the_delete_confirmation(guide):
    page = state_page(guide, "delete")
    assert page.select_one("h1").get_text() == "Delete old-notes?"
    assert page.select_one("blockquote.message-text").get_text() == "Notes nobody needs any more."
    assert page.select_one('form[method="post"]')["action"] == "/messages/old-notes/delete"


@pytest.mark.parametrize(
    ("name", "flashes"),
    [
        ("list-after-delete", ["Deleted old-notes. It can be restored from the trash."]),
        ("show-after-add", ["Added shopping-list."]),
        ("show-after-save", ["Saved default."]),
        ("show-several-flashes", ["Added default.", "Saved default."]),
    ],
)
def test_flash_messages(guide, name, flashes):
    page = state_page(guide, name)
    assert [flash.get_text() for flash in page.select(".flashes .flash.flash-success")] == flashes


def test_the_states_show_every_flash_category_the_site_uses():
    used = {
        match
        for path in (PROJECT_ROOT / "messageboard").rglob("*.py")
        for match in re.findall(r"\bflash\(.*, \"(\w+)\"\)", path.read_text(encoding="utf-8"))
    }
    shown = {category for state in STATES for category, _ in state.get("flashes", [])}
    assert used and used <= shown


def test_state_flashes_leave_the_visitors_own_flashes_alone(guide):
    response = add_message(guide, "real-one", "Really added")  # "Added real-one." waits in the session
    page = state_page(guide, "show-after-save")
    assert [flash.get_text() for flash in page.select(".flash")] == ["Saved default."]
    assert [flash.get_text() for flash in parse(guide.get(response.headers["Location"])).select(".flash")] == [
        "Added real-one."
    ]


@pytest.mark.parametrize(
    ("name", "status", "heading", "description"),
    [
        (
            "error-404-message",
            404,
            "Not Found",
            "There is no message with the key “no-such-key”. It may have been deleted, or the address mistyped.",
        ),
        (
            "error-404-url",
            404,
            "Not Found",
            (
                "The requested URL was not found on the server. If you entered the URL "
                "manually please check your spelling and try again."
            ),
        ),
        ("error-400", 400, "Bad Request", "page must be a whole number from 1 up, not 'two'."),
        (
            "error-400-csrf",
            400,
            "Bad Request",
            ("The CSRF token has expired. The form was not saved: go back, reload the page and submit it again."),
        ),
        ("error-405", 405, "Method Not Allowed", "The method is not allowed for the requested URL."),
        (
            "error-413",
            413,
            "Request Entity Too Large",
            "The request is larger than this site's limit of 262,144 bytes; nothing was saved.",
        ),
        (
            "error-500",
            500,
            "Internal Server Error",
            "Something went wrong on our side. It has been logged; please try again.",
        ),
    ],
)
def test_error_pages_as_the_error_handlers_render_them(guide, name, status, heading, description):
    page = state_page(guide, name)
    assert page.body["class"] == ["page-error", f"page-error-{status}"]
    assert page.select_one("main h1").get_text() == heading
    assert page.select_one(".error-description").get_text() == description


def test_development_error_pages(guide):
    build = state_page(guide, "asset-build-error")
    assert "static/scss/_components.scss 12:20" in build.select_one(".build-problem").get_text()
    syntax = state_page(guide, "template-syntax-error")
    assert syntax.select_one(".template-location").get_text() == "templates/messages/show.html:4"
    assert "{% endblock %" in syntax.select_one(".broken-line").get_text()


def test_state_forms_carry_no_csrf_token_so_submitting_one_changes_nothing(guide_app, guide):
    form = state_page(guide, "new-key-taken").select_one('form[method="post"]')
    assert form.select('input[name="csrf_token"]') == []
    with guide_app.app_context():
        before = store.revision_tokens()
    response = guide.post(form["action"], data={"key": "from-the-styleguide", "text": "Should not be saved"})
    assert response.status_code == 400
    with guide_app.app_context():
        assert store.revision_tokens() == before


def test_the_index_renders_each_macro_in_each_of_its_states(guide):
    page = parse(guide.get("/_styleguide/"))
    sections = {
        section.select_one("h2 code").get_text(): section
        for section in page.select("section.styleguide-group")
        if section.select(".styleguide-specimen")
    }
    assert set(sections) == {macro["macro"] for macro in MACROS}
    for macro in MACROS:
        captions = [caption.get_text() for caption in sections[macro["macro"]].select("figcaption")]
        assert captions == [state["title"] for state in macro["states"]]
    rows = sections["message_row"].select(".styleguide-specimen ul.message-list > li.message-row")
    assert len(rows) == len(MACROS[0]["states"])
    assert rows[-1].select_one('a[href$="/edit"]') is None and rows[0].select_one('a[href$="/edit"]') is not None
    fields = sections["field"].select(".styleguide-specimen .field")
    assert [field.select_one(".errors li").get_text() if field.select_one(".errors") else None for field in fields] == [
        None,
        None,
        "Key 'new' is reserved by the site; choose another.",
        "Text is 10,001 characters long; the limit is 10,000.",
        None,
    ]
    assert [bool(field.select_one(".hint")) for field in fields] == [True, False, False, True, False]
    assert sections["time"].select_one("time")["datetime"] == "2026-03-14T09:26:00Z"
    ids = [element["id"] for element in page.select("[id]")]
    assert len(ids) == len(set(ids)), "ids repeat on the index"
    assert_no_inline_code(page)


def template_files(folder: str = "") -> list[str]:
    """Every template below templates/, as template names."""
    root = PROJECT_ROOT / "templates"
    return [path.relative_to(root).as_posix() for path in sorted((root / folder).rglob("*.html"))]


def test_every_page_template_and_every_macro_has_states():
    pages = {
        name
        for name in template_files()
        if "_partials/" not in name and name != "base.html" and not name.startswith("styleguide/")
    }
    assert pages == {state["template"] for state in STATES}
    defined = {
        (name, macro)
        for name in template_files()
        for macro in re.findall(r"{%-? macro (\w+)\(", (PROJECT_ROOT / "templates" / name).read_text())
    }
    assert defined == {(macro["template"], macro["macro"]) for macro in MACROS if macro["states"]}


@pytest.mark.parametrize("config", ["production", "testing"])
def test_production_and_testing_have_no_styleguide(make_app, config):
    client = make_app(config, SECRET_KEY="a-real-secret-for-this-test").test_client()
    for url in ("/_styleguide/", "/_styleguide/list-empty"):
        response = client.get(url)
        assert response.status_code == 404
        assert parse(response).select_one("main h1").get_text() == "Not Found"


def test_staging_has_the_styleguide(make_app):
    client = make_app("staging", SECRET_KEY="a-real-secret-for-this-test").test_client()
    assert client.get("/_styleguide/").status_code == 200
    assert client.get("/_styleguide/edit-conflict").status_code == 200


def test_the_styleguide_neither_writes_to_nor_reads_the_messages(guide_app, guide):
    counter = db.change_counter(guide_app)
    version = counter()
    with guide_app.app_context():
        before = store.revision_tokens()
    urls = ["/_styleguide/"] + [f"/_styleguide/{state['name']}" for state in STATES]
    first = {url: guide.get(url).get_data() for url in urls}
    assert counter() == version
    with guide_app.app_context():
        assert store.revision_tokens() == before
        store.add_many([("zzz", "A stored message the styleguide must not show")])
        store.delete_message("default")
    assert {url: guide.get(url).get_data() for url in urls} == first


@pytest.fixture
def fixtures_copy(tmp_path):
    """A copy of the fixtures file to spoil."""
    path = tmp_path / "fixtures.yml"
    shutil.copy(STYLEGUIDE_FIXTURES, path)
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda text: None,
            (
                r"^STYLEGUIDE_FIXTURES names \S+/missing\.yml, which cannot be read \(No such file or "
                r"directory\): fix the path, or turn the styleguide off with MESSAGEBOARD_STYLEGUIDE=false$"
            ),
        ),
        (
            lambda text: text.replace(
                "template: messages/show.html\n    status: 200\n    message: long",
                "template: messages/shown.html\n    status: 200\n    message: long",
            ),
            (
                r"^\S+fixtures\.yml: state 'show-long' names template 'messages/shown\.html', which the styleguide cannot "
                r"render \(it renders auth/login\.html, errors/asset_build\.html, .*\)$"
            ),
        ),
        (
            lambda text: text.replace(
                "message: shopping\n    flashes: [[success, Added", "message: shoping\n    flashes: [[success, Added"
            ),
            r"^\S+fixtures\.yml: 'show-after-add' names message 'shoping', which `messages` does not define$",
        ),
        (
            lambda text: text.replace("    status: 200\n    message: hebrew", "    status: 200\n    mesage: hebrew"),
            (
                r"^\S+fixtures\.yml: state 'show-hebrew' has mesage, which messages/show\.html states do not use "
                r"\(they use last_change, message\)$"
            ),
        ),
        (
            lambda text: text.replace("macro: message_row", "macro: message_rows"),
            r"^\S+fixtures\.yml: macro 'message_rows' is not defined in template 'messages/_partials/_message_row\.html'$",
        ),
        (
            lambda text: text.replace("  - name: show-emoji", "  - name: show-arabic"),
            r"^\S+fixtures\.yml: two states are named 'show-arabic'$",
        ),
        (
            lambda text: text.replace("    key: arabic\n", "    key: arabic text\n"),
            (
                r"^\S+fixtures\.yml: message 'arabic' could not be stored: Key may use only a-z, A-Z, 0-9, '-', '_' "
                r"and '\.' \(no accents or spaces\), not ' '\.$"
            ),
        ),
        (
            lambda text: text.replace("states:\n  # The list", "states:\n  - [broken"),
            r"^\S+fixtures\.yml is not valid YAML at line \d+: .+$",
        ),
    ],
)
def test_a_bad_fixtures_file_stops_the_start_in_one_line_naming_it(make_app, fixtures_copy, change, problem):
    spoiled = change(fixtures_copy.read_text(encoding="utf-8"))
    if spoiled is None:
        fixtures_copy = fixtures_copy.with_name("missing.yml")
    else:
        assert spoiled != fixtures_copy.read_text(encoding="utf-8")
        fixtures_copy.write_text(spoiled, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        make_app(STYLEGUIDE=True, STYLEGUIDE_FIXTURES=str(fixtures_copy))
    assert re.match(problem, str(error.value)), str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.usefixtures("make_app")  # it clears the MESSAGEBOARD_ variables of the caller's environment
def test_a_server_checks_the_fixtures_before_it_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("MESSAGEBOARD_CONFIG", "staging")
    monkeypatch.setenv("MESSAGEBOARD_SECRET_KEY", "serving-secret")
    monkeypatch.setenv("MESSAGEBOARD_TRUSTED_HOSTS", LOCAL_HOSTS)
    monkeypatch.setenv("MESSAGEBOARD_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("MESSAGEBOARD_STYLEGUIDE_FIXTURES", str(tmp_path / "gone.yml"))
    with pytest.raises(ConfigError, match=r"^STYLEGUIDE_FIXTURES names \S+/gone\.yml, which cannot be read"):
        check_can_serve()


def test_a_state_claiming_the_wrong_status_is_an_error(make_app, fixtures_copy):
    fixtures_copy.write_text(
        fixtures_copy.read_text(encoding="utf-8").replace(
            "  - name: new-key-taken\n    title: A key another message has\n    template: messages/new.html\n"
            "    status: 422",
            "  - name: new-key-taken\n    title: A key another message has\n"
            "    template: messages/new.html\n    status: 200",
        ),
        encoding="utf-8",
    )
    client = make_app(STYLEGUIDE=True, STYLEGUIDE_FIXTURES=str(fixtures_copy)).test_client()
    with pytest.raises(ConfigError, match=r"state 'new-key-taken' says the real page answers 200, but it answers 422"):
        client.get("/_styleguide/new-key-taken")


def test_an_edited_fixtures_file_shows_without_a_restart(make_app, fixtures_copy):
    client = make_app(STYLEGUIDE=True, STYLEGUIDE_FIXTURES=str(fixtures_copy)).test_client()
    assert client.get("/_styleguide/show-arabic").status_code == 200
    fixtures_copy.write_text(
        fixtures_copy.read_text(encoding="utf-8").replace(
            "  - name: show-arabic\n    title: Right to left (Arabic)",
            "  - name: show-arabic-again\n    title: Right to left, once more",
        ),
        encoding="utf-8",
    )
    assert client.get("/_styleguide/show-arabic").status_code == 404
    assert parse(client.get("/_styleguide/")).select_one('a[href="/_styleguide/show-arabic-again"]').get_text() == (
        "Right to left, once more"
    )


def test_the_tokens_page_lists_every_token_of_the_tokens_file_by_kind(guide):
    response = guide.get("/_styleguide/tokens")
    assert response.status_code == 200
    page = parse(response)
    kinds = {}
    for token in page.select("[data-token]"):
        kinds.setdefault(token["data-token-kind"], []).append(token["data-token"])
    assert {"--accent", "--ink", "--paper", "--danger"} <= set(kinds["colour"])
    assert {"--text-small", "--text-body", "--text-h1"} <= set(kinds["type"])
    assert kinds["spacing"] == [f"--space-{step}" for step in range(1, 8)]
    assert kinds["radius"] == ["--radius-small", "--radius", "--radius-large"]
    accent = page.select_one('[data-token="--accent"]')
    assert accent.select_one(".token-value").get_text() == "#3148c9"
    assert accent.select_one("[data-contrast]") is not None  # filled in by styleguide-tokens.js
    assert page.select_one('main a[href="/_styleguide/"]') is not None
    assert parse(guide.get("/_styleguide/")).select_one('main a[href="/_styleguide/tokens"]') is not None


def test_the_viewport_switcher_frames_a_state_at_each_width_and_scheme(guide):
    page = state_page(guide, "list-one")
    switcher = page.select_one(".styleguide-notice a[href$='/viewports']")
    assert switcher["href"] == "/_styleguide/list-one/viewports"
    default = parse(guide.get(switcher["href"]))
    frame = default.select_one("iframe")
    assert (frame["src"], frame["width"]) == ("/_styleguide/list-one?scheme=light", "375")
    choices = [link["href"] for link in default.select(".viewport-switcher a")]
    assert choices == [
        *(f"/_styleguide/list-one/viewports?width={width}&scheme=light" for width in (375, 768, 1280)),
        *(f"/_styleguide/list-one/viewports?width=375&scheme={scheme}" for scheme in ("light", "dark")),
    ]
    wide_dark = parse(guide.get("/_styleguide/list-one/viewports?width=1280&scheme=dark")).select_one("iframe")
    assert (wide_dark["src"], wide_dark["width"]) == ("/_styleguide/list-one?scheme=dark", "1280")


def test_a_state_in_a_chosen_scheme_says_it_on_html_and_may_be_framed_by_the_site_only(guide):
    response = guide.get("/_styleguide/list-one?scheme=dark")
    html = parse(response).html
    assert html["data-color-scheme"] == "dark" and html.has_attr("data-color-scheme-fixed")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert not parse(guide.get("/_styleguide/list-one")).html.has_attr("data-color-scheme")
    assert "frame-ancestors 'none'" in guide.get("/_styleguide/").headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/_styleguide/list-one/viewports?width=400", "width must be one of 375, 768, 1280, not '400'."),
        ("/_styleguide/list-one/viewports?scheme=sepia", "scheme must be one of light, dark, not 'sepia'."),
        ("/_styleguide/list-one?scheme=sepia", "scheme must be one of light, dark, not 'sepia'."),
    ],
)
def test_a_width_or_scheme_not_offered_is_a_400_naming_the_choices(guide, url, problem):
    response = guide.get(url)
    assert response.status_code == 400
    assert parse(response).select_one(".error-description").get_text() == problem


def test_the_viewports_of_an_unknown_state_are_not_found(guide):
    assert guide.get("/_styleguide/no-such-state/viewports").status_code == 404
