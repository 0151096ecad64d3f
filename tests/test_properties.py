"""Property-based tests (Hypothesis) over every form field and route parameter (issue 6, "Evidence").

1. **Never a 5xx.** Every route, with arbitrary route parameters and query strings, and every form,
   posted with a valid CSRF token (or none, or a wrong one) and arbitrary, missing, repeated or
   extra fields, url-encoded, as multipart (files too) or as JSON, answers below 500, under the
   Testing settings and under Development's (live reload and the styleguide mounted, assets rebuilt
   before each page). In both exceptions propagate, so a bug fails the test with its traceback
   rather than as a 500.
2. **Text round-trips exactly.** A key and text typed into the add form, and a text typed into the
   edit form, are stored exactly as the rules say (README, ``validation.py``: line breaks CRLF and
   CR made LF, outer white space trimmed, nothing else changed) and shown exactly: on the message's
   page, in the edit form's textarea as a browser reads it, on the delete page, in the list, in the
   search results, and byte for byte by the plain-text ``/show/<key>`` and ``/hello``. So does a
   text stored through ``/add/<key>/<message>``. The expected value is not computed by the app's
   own function: the strategies build the typed text *from* the stored one, adding white space
   around it and writing each line break as LF, CR or CRLF.
3. **Nothing injected.** A page showing arbitrary text (stored, typed into a rejected form, in a
   route parameter or a query) is made of exactly the same elements and attribute names, comments
   and doctypes as the same page showing a harmless twin of that text: each character that is
   neither white space nor a control character replaced by a letter, which the rules treat the
   same (same length, trimming, errors). So markup in a text can only ever show as text.

One app per test (a new app per example would compile every template again, ten times the cost):
the never-a-5xx tests let the examples change its data as they go, a richer state to fuzz; the
round-trip and injection tests, whose pages depend on the data, start each example from a new
site's data and a new client (``fresh_client``). Profiles (``dev``, ``ci``, ``explore``) are
chosen in ``conftest.py``; the example counts below scale with the profile's.
"""

from __future__ import annotations

import io
import re
import string
import unicodedata
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from bs4.element import PreformattedString, Tag
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from messageboard import store
from messageboard.core import SEARCH_MAX_LENGTH
from messageboard.forms import NOT_IN_HTML
from tests.helpers import form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases

# Fixtures live for the whole test, across its examples, on purpose (see above); an example is
# several requests (too_slow) and may carry a text of 12,000 characters (data_too_large).
HEALTH_CHECKS_NOT_APPLYING = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def examples(count: int) -> int:
    """``count`` examples under the default profile, scaled with the loaded one (``explore``: 10x)."""
    return max(1, count * settings().max_examples // 100)


def properties(count: int):
    """The settings of a property test: ``count`` examples (scaled), no deadline (a web request's time varies)."""
    return settings(max_examples=examples(count), deadline=None, suppress_health_check=HEALTH_CHECKS_NOT_APPLYING)


# --- Strategies ---------------------------------------------------------------------------------

KEY_ALPHABET = string.ascii_letters + string.digits + "-_."
RESERVED_KEYS = {"new", ".", ".."}
KEY_MAX_LENGTH = 64
TEXT_MAX_LENGTH = 10_000

# Unicode's White_Space characters, which trimming removes (Python's str.isspace() also counts
# U+001C to U+001F, control characters the rules forbid inside a text; they are left to property 1).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
# Control characters (Cc) other than tab and line feed: forbidden inside a text.
FORBIDDEN_CONTROLS = "".join(chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)] if chr(code) not in "\t\n")

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><b>",
    "</div></main>",
    "<!--",
    "-->",
    "<!-- x -->",
    "<![CDATA[x]]>",
    "<!DOCTYPE html>",
    "<?xml version='1.0'?>",
    "{{ 7*7 }}",
    "{{ config }}",
    "{% raw %}",
    "{% endraw %}",
    "{# x #}",
    "${7*7}",
    "&amp;",
    "&lt;b&gt;",
    "&#60;",
    "&#x3C;script",
    "&",
    '"',
    "'",
    "`",
    "=",
    "\\",
    "%",
    "%00",
    "%2F",
    "../",
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "<input autofocus onfocus=alert(1)>",
    "<style>*{}</style>",
    "<base href=//evil.example>",
    '<meta http-equiv="refresh" content="0;url=//evil.example">',
    "<textarea>",
    "<p",
    "x onmouseover=alert(1)",
]
UNICODE = [
    "שלום עולם",
    "مرحبا بالعالم",
    "\u202eevil\u202c",
    "\u200f",
    "\u200e",
    "👋🏽",
    "👨\u200d👩\u200d👧",
    "e\u0301",
    "\u200b",
    "\ufeff",
    "\ufffd",
    "\U0010fffd",
    "\uffff",
    "İ",
    "ß",
    "ﬃ",
    "Ⅻ",
    "²",
    "٣",
    "𝟗",
]
FTS_SYNTAX = ['"', '""', "NEAR(a b)", "a AND b", "a OR", "NOT", "*", "^a", "a:b", "(", ")", "+", "-", "key:x"]

# What a text may hold between its first and last character: anything but surrogates (which no
# browser sends) and forbidden control characters; line feeds come from the line-break tokens.
inner_characters = st.characters(exclude_categories=["Cs"], exclude_characters=FORBIDDEN_CONTROLS + "\n")
# A stored text starts and ends with neither white space nor a control character.
edge_characters = inner_characters.filter(lambda character: not character.isspace())
text_chunks = st.one_of(
    st.text(inner_characters, max_size=20),
    st.sampled_from(MARKUP + UNICODE),
    st.sampled_from(["\n", "\n\n", "\t", "  ", " \n ", "\u2028"]),
)


@st.composite
def short_stored_texts(draw) -> str:
    """A valid text as the site stores it: no CR, no outer white space, 1 to about 300 characters."""
    first = draw(edge_characters)
    if draw(st.booleans()):
        return first
    return first + "".join(draw(st.lists(text_chunks, max_size=8))) + draw(edge_characters)


@st.composite
def long_stored_texts(draw) -> str:
    """A valid stored text of 9,900 to 10,000 characters (the limit), a short one repeated."""
    unit = draw(short_stored_texts())
    length = draw(st.integers(9_900, TEXT_MAX_LENGTH))
    text = (unit * (length // len(unit) + 1))[:length]
    while text[-1].isspace():  # cut inside a unit: drop the white space that now ends it
        text = text[:-1]
    return text


stored_texts = st.one_of(short_stored_texts(), short_stored_texts(), short_stored_texts(), long_stored_texts())
white_space_runs = st.lists(st.sampled_from([*WHITE_SPACE, "\r\n"]), max_size=4).map("".join)


@st.composite
def typed_texts(draw, stored=stored_texts) -> tuple[str, str]:
    """(what a visitor types, what must be stored): the stored text with white space around it and
    each line break written as LF, CR or CRLF."""
    text = draw(stored)
    lines = text.split("\n")
    typed = lines[0]
    for line in lines[1:]:
        ending = draw(st.sampled_from(["\n", "\r", "\r\n"]))
        if typed.endswith("\r") and ending == "\n":  # CR then LF would be one break, CRLF
            ending = "\r\n"
        typed += ending + line
    return draw(white_space_runs) + typed + draw(white_space_runs), text


valid_keys = st.text(KEY_ALPHABET, min_size=1, max_size=KEY_MAX_LENGTH).filter(lambda key: key not in RESERVED_KEYS)
new_keys = valid_keys.filter(lambda key: key != store.DEFAULT_KEY)


@st.composite
def typed_keys(draw) -> tuple[str, str]:
    """(what a visitor types into the key field, the key stored): spaces around it are trimmed."""
    key = draw(new_keys)
    spaces = st.text(st.sampled_from(" \t\xa0\u3000"), max_size=2)
    return draw(spaces) + key + draw(spaces), key


def repeated(pieces, longest: int) -> st.SearchStrategy[str]:
    """Long strings, quickly: a short one repeated, up to ``longest`` characters."""
    return st.builds(lambda piece, count: (piece * count)[:longest], pieces, st.integers(longest // 10, longest))


any_characters = st.characters(exclude_categories=["Cs"])
# Arbitrary strings for any field or parameter: unicode, control characters, markup, line breaks...
short_any_text = st.one_of(
    st.text(any_characters, max_size=40),
    st.lists(
        st.one_of(
            st.text(any_characters, max_size=8),
            st.sampled_from(MARKUP + UNICODE + FTS_SYNTAX),
            st.sampled_from(["\r\n", "\r", "\n", "\x00", "\x07", "\x1f", "\x7f", "\x85", " "]),
        ),
        max_size=8,
    ).map("".join),
)
# Up to 12,000 characters: past the text's limit, under the body's.
any_text = st.one_of(short_any_text, repeated(st.text(any_characters, min_size=1, max_size=3), 12_000))
any_texts = st.one_of(typed_texts().map(lambda typed_and_stored: typed_and_stored[0]), any_text)
# Up to 300 characters: past the key's limit (a long URL only slows the test client down).
any_keys = st.one_of(
    valid_keys,
    short_any_text,
    repeated(st.text(any_characters, min_size=1, max_size=3), 300),
    st.sampled_from(
        [
            "",
            " ",
            "default",
            "new",
            ".",
            "..",
            "...",
            "a/b",
            "../etc/passwd",
            "%",
            "%2F",
            "a%00",
            "k" * 64,
            "k" * 65,
            "\x00",
            "key\n",
            "ke y",
            "ключ",
            "<b>",
            "default ",
        ]
    ),
)
# Numbers as query strings and form fields carry them: huge, negative, zero-padded, non-ASCII digits.
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(0, 50).map(str),
    st.text(string.digits, min_size=1, max_size=25),
    st.integers(4_290, 5_000).map(lambda digits: "9" * digits),  # int() refuses over 4,300 digits
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=3),  # "²", "٣", "Ⅻ"...
    st.sampled_from(["", "0", "00", "1.0", "1e3", "+1", " 1", "1 ", "0x10", "NaN", "inf", "٣", "²", "𝟗", "1_000"]),
)
revisions = st.one_of(
    st.tuples(numbers, st.sampled_from([".", "", "..", ","]), numbers).map("".join),
    st.tuples(st.integers(0, 2**70), st.integers(0, 2**70)).map(lambda pair: f"{pair[0]}.{pair[1]}"),
    any_text,
)
query_values = st.one_of(numbers, any_text, st.sampled_from(["key", "updated", "KEY", "key ", "updated\x00"]))
query_names = st.one_of(st.sampled_from(["page", "q", "sort", "next", "key", "text"]), st.text(max_size=4))
# A query string: arbitrary names and values, sometimes bytes that are not UTF-8.
query_strings = st.lists(st.tuples(query_names, st.one_of(query_values, st.binary(max_size=6))), max_size=4).map(
    urlencode
)


def encoded(value: str | bytes) -> str:
    """A path segment as a browser sends it: every reserved or non-ASCII byte percent-encoded."""
    return quote(value, safe="")


# Route parameters as they reach the path: percent-encoded text or bytes (not always UTF-8), or
# raw segments that mean something to a router ("%2F" decodes to a slash before routing).
route_values = st.one_of(
    any_keys.map(encoded),
    st.binary(max_size=8).map(encoded),
    st.sampled_from(
        [
            "default",
            "new",
            ".",
            "..",
            "%2F",
            "a%2Fb",
            "%2e%2e",
            "%00",
            "%ff",
            "%ED%A0%80",
            "a;b",
            "a%3Fb",
            "%23",
            "~",
            "default%20",
        ]
    ),
)


# --- Helpers ------------------------------------------------------------------------------------


# The environments the never-a-5xx tests fuzz: Development adds routes no other has (live reload's
# stream and script, the styleguide), and rebuilds the assets before each page.
ENVIRONMENTS = ("testing", "development")
every_environment = pytest.mark.parametrize("app", ENVIRONMENTS, indirect=True)


@pytest.fixture
def app(request, make_app, tmp_path):
    """The test's app: Testing's settings, or, where a test is marked ``every_environment``, each of
    ``ENVIRONMENTS`` (Development's assets built into the test's own folder). Exceptions propagate in
    both (TESTING, DEBUG), so a bug fails with its traceback rather than as a 500."""
    config = getattr(request, "param", "testing")
    if config == "testing":
        return make_app()
    return make_app(config, ASSETS_BUILD_FOLDER=str(tmp_path / "build"))


@pytest.fixture
def fresh_client(app):
    """A factory of new test clients (no cookies) on the test's app, whose data each one resets to a
    new site's: only ``default``. One per example where the data matters; a new app per example
    would cost ten times as much (it compiles every template again)."""

    def new_client():
        with app.app_context():
            for key, _ in store.revision_tokens():
                store.delete_message(key)
            store.add_message(store.DEFAULT_KEY, store.DEFAULT_TEXT)
        return app.test_client()

    return new_client


def checked(response):
    """``response``, after asserting it is not a server error."""
    assert response.status_code < 500, response.status_code
    return response


def stored_text(client, key: str) -> str | None:
    """The text stored under ``key``, read from the database, not through a page."""
    with client.application.app_context():
        message = store.get_message(key)
    return None if message is None else message.text


def csrf_token(client) -> str:
    """This client's CSRF token, read from the add form as a browser would."""
    return parse(checked(client.get("/messages/new"))).select_one('main input[name="csrf_token"]')["value"]


def main_form(response):
    """The page's own POST form (not the header's logout form, where there is one)."""
    return parse(response).select_one('main form[method="post"]')


def path_for(rule, values: dict[str, str]) -> str:
    """The rule's path with each ``<converter:name>`` replaced by ``values[name]`` (already encoded)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: values[match.group(1)], rule.rule)


def skeleton(response) -> Counter:
    """What an HTML page is made of, whatever its text says: each element's tag and attribute
    names, and each comment, doctype, CDATA section or processing instruction."""
    parts = Counter()
    for node in parse(response).descendants:
        if isinstance(node, Tag):
            parts[(node.name, *sorted(node.attrs))] += 1
        elif isinstance(node, PreformattedString):
            parts[(type(node).__name__,)] += 1
    return parts


def assert_links_stay_on_site(response) -> None:
    """Every link, source and form action is a path on this site (or a fragment of this page)."""
    for element in parse(response).select("[href], [src], [action]"):
        for name in ("href", "src", "action"):
            if name in element.attrs:
                value = element[name]
                assert value.startswith("#") or (value.startswith("/") and not value.startswith("//")), element


def neutral_text(value: str) -> str:
    """A harmless twin of a text: each character that is neither white space nor a control character
    made "x". The rules treat it as they treat ``value`` (same length, trimming and errors)."""
    return "".join(
        character if character.isspace() or unicodedata.category(character) == "Cc" else "x" for character in value
    )


def neutral_key(value: str) -> str:
    """A harmless twin of a key: key characters, white space and slashes kept, anything else made "!"
    (also refused in a key), so it is valid, reserved, taken or refused exactly when ``value`` is, and
    routed the same in a URL (``%2F`` is a slash to the router)."""
    return "".join(character if character in KEY_ALPHABET + "/" or character.isspace() else "!" for character in value)


def neutral_number(value: str) -> str:
    """A harmless twin of a page number or revision: ASCII digits and dots kept, anything else "x"."""
    return "".join(character if character in "0123456789." else "x" for character in value)


def same_structure(response, twin) -> None:
    """Assert two answers are alike but for their text: status, type and, for HTML, the skeleton."""
    assert (checked(response).status_code, response.mimetype) == (checked(twin).status_code, twin.mimetype)
    if response.mimetype == "text/html":
        assert skeleton(response) == skeleton(twin)
        if response.status_code // 100 != 3:  # werkzeug's redirect bodies link the absolute URL
            assert_links_stay_on_site(response)


# --- 1. Never a 5xx -------------------------------------------------------------------------------


@every_environment
def test_the_routes_fuzzed_are_the_sites_routes(app):
    """The fuzzing below walks the app's own URL map, so a new route is fuzzed the day it is added;
    in Development, live reload's and the styleguide's too."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    if app.config["DEBUG"]:
        assert {"live_reload.events", "live_reload.client_script", "styleguide.index"} <= endpoints, endpoints
    assert {
        "messages.index",
        "messages.show",
        "messages.create",
        "messages.update",
        "messages.delete",
        "legacy.hello",
        "legacy.show",
        "legacy.add",
    } <= endpoints


@every_environment
@properties(200)
@given(data=st.data(), query=query_strings, method=st.sampled_from(["GET", "GET", "HEAD", "OPTIONS"]))
@example(data=None, query="page=%C2%B2", method="GET").via("regression: page '²' passed isdigit(), failed int()")
@example(data=None, query="page=" + "9" * 5_000, method="GET").via("regression: int() refuses over 4,300 digits")
@example(data=None, query="q=a%00b", method="GET").via("regression: a NUL in a search broke SQLite's MATCH")
def test_every_route_with_any_parameters_answers_below_500(client, data, query, method):
    rules = sorted(client.application.url_map.iter_rules(), key=lambda rule: rule.rule)
    if data is None:  # the explicit examples: the list page
        path = "/"
    else:
        rule = data.draw(st.sampled_from(rules), label="rule")
        path = path_for(rule, {name: data.draw(route_values, label=name) for name in sorted(rule.arguments)})
    # Closed: a file's answer (live reload's script) holds the file open, and a stream its generator.
    with client.open(path + ("?" + query if query else ""), method=method) as response:
        checked(response)


@every_environment
@properties(100)
@given(page=st.none() | numbers, q=st.none() | query_values, sort=st.none() | query_values)
@example(page="²", q=None, sort=None).via("regression: page '²' passed isdigit(), failed int()")
@example(page="9" * 5_000, q=None, sort=None).via("regression: int() refuses over 4,300 digits")
@example(page=None, q="\x00abc", sort=None).via("regression: a NUL in a search broke SQLite's MATCH")
@example(page=None, q="a\x00", sort="updated").via("regression: a NUL in a short search")
def test_list_parameters_answer_below_500(client, page, q, sort):
    parameters = {name: value for name, value in {"page": page, "q": q, "sort": sort}.items() if value is not None}
    checked(client.get("/", query_string=parameters))


def form_bodies(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[list[tuple[str, object]]]:
    """Form fields as (name, value) pairs: any subset of ``fields`` (some repeated), extra ones, and
    the CSRF token left as it is (valid), dropped or replaced."""
    known = [st.tuples(st.just(name), values) for name, values in fields.items()]
    extra = st.tuples(query_names, any_text)
    return st.lists(st.one_of(*known, *known, extra), max_size=len(fields) + 2)


csrf_choices = st.sampled_from(["valid", "valid", "valid", "missing", "wrong", "twice"])
encodings = st.sampled_from(["urlencoded", "urlencoded", "multipart", "multipart with a file", "json", "bytes"])


def post(client, path: str, pairs: list[tuple[str, object]], *, csrf: str, encoding: str, data=None):
    """POST ``pairs`` to ``path`` with the client's CSRF token handled as ``csrf`` says, in ``encoding``."""
    token = csrf_token(client)
    tokens = {"valid": [token], "missing": [], "wrong": [token[:-2] + "xx"], "twice": [token, "x"]}[csrf]
    pairs = [("csrf_token", value) for value in tokens] + pairs
    if encoding == "urlencoded":
        return client.post(path, data=urlencode(pairs), content_type="application/x-www-form-urlencoded")
    if encoding in ("multipart", "multipart with a file"):
        fields = {}
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        if encoding == "multipart with a file":  # a file where a text field should be
            name = data.draw(st.sampled_from(sorted({name for name, _ in pairs} | {"text"})), label="file field")
            fields[name] = [(io.BytesIO(data.draw(st.binary(max_size=40), label="file")), "f.txt")]
        return client.post(path, data=fields, content_type="multipart/form-data")
    if encoding == "json":  # the token in the header, where Flask-WTF also looks for it
        value = data.draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from([name for name, _ in pairs] or ["text"]),
                    st.one_of(
                        st.none(),
                        st.booleans(),
                        st.integers(),
                        st.floats(allow_nan=False),
                        any_text,
                        st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
                    ),
                ),
                st.lists(st.integers(), max_size=3),
                st.text(max_size=5),
                st.integers(),
            ),
            label="json",
        )
        return client.post(path, json=value, headers={"X-CSRFToken": token} if csrf == "valid" else {})
    body = data.draw(st.one_of(st.binary(max_size=60), st.just(urlencode(pairs).encode() + b"&%ff=%fe")), label="body")
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def posting_rules(app) -> list:
    """The app's routes that take a POST."""
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods), key=lambda rule: rule.rule)


class FieldValues(dict):
    """Form field names, each with the values to try; shown by name in Hypothesis's reports."""

    def __repr__(self) -> str:
        return f"FieldValues({', '.join(sorted(self))})"


@pytest.fixture
def site_fields(client) -> FieldValues:
    """Every field of every form the site shows (read from its pages, so a new form's fields are
    fuzzed too), each with the values to try; the CSRF token is handled apart."""
    fields = FieldValues(key=any_keys, text=any_texts, revision=revisions)
    for rule in posting_rules(client.application):
        page = client.get(path_for(rule, dict.fromkeys(rule.arguments, store.DEFAULT_KEY)))
        for form in parse(page).select('form[method="post"]') if page.status_code == 200 else []:
            for name in form_fields(form):
                fields.setdefault(name, any_text)
    fields.pop("csrf_token", None)
    return fields


@every_environment
@properties(150)
@given(data=st.data(), csrf=csrf_choices, encoding=encodings)
def test_every_form_with_any_fields_answers_below_500(client, site_fields, data, csrf, encoding):
    """Every route that takes a POST, with any parameters, gets any of the site's form fields."""
    rule = data.draw(st.sampled_from(posting_rules(client.application)), label="rule")
    keys = st.one_of(st.just(encoded(store.DEFAULT_KEY)), route_values)
    path = path_for(rule, {name: data.draw(keys, label=name) for name in sorted(rule.arguments)})
    pairs = data.draw(form_bodies(site_fields), label="fields")
    checked(post(client, path, pairs, csrf=csrf, encoding=encoding, data=data))


@every_environment
@properties(100)
@given(
    key=st.one_of(st.just(store.DEFAULT_KEY), any_keys),
    text=st.none() | any_texts,
    revision=st.none() | revisions,
    fresh_revision=st.booleans(),
)
@example(key="default", text="x", revision="².1", fresh_revision=False).via("regression: '²' passed isdigit()")
@example(key="default", text="x", revision="9" * 30 + ".1", fresh_revision=False).via(
    "regression: an id past SQLite's 64-bit INTEGER"
)
@example(key="default", text="x", revision="1." + "9" * 5_000, fresh_revision=False).via(
    "regression: int() refuses over 4,300 digits"
)
def test_edit_form_with_any_text_and_revision_answers_below_500(client, key, text, revision, fresh_revision):
    """The edit form's fields one by one: its text, and its hidden revision, which a browser sends back as it got it."""
    form = main_form(checked(client.get(f"/messages/{store.DEFAULT_KEY}/edit")))
    fields = form_fields(form)
    if not fresh_revision:
        fields.pop("revision")
    fields.pop("text")
    fields.update({name: value for name, value in {"text": text, "revision": revision}.items() if value is not None})
    checked(client.post(f"/messages/{encoded(key)}/edit", data=fields))


@every_environment
@properties(40)
@given(
    field=st.sampled_from(["key", "text", "revision", "csrf_token"]),
    url=st.sampled_from(["/messages/new", "/messages/default/edit", "/messages/default/delete"]),
)
@example(field="key", url="/messages/new").via("regression: Flask-WTF gave the key field an uploaded file")
@example(field="revision", url="/messages/default/edit").via("regression: and the revision field")
def test_a_file_or_json_where_text_belongs_answers_below_500(fresh_client, field, url):
    """Flask-WTF reads uploaded files and JSON bodies into form fields; the site's forms take text only."""
    client = fresh_client()  # the delete form may delete "default"
    fields = form_fields(main_form(checked(client.get(url))))
    fields[field] = (io.BytesIO(b"<b>file</b>"), "file.txt")
    checked(client.post(url, data=fields, content_type="multipart/form-data"))
    fields[field] = 12345
    checked(client.post(url, json=fields, headers={"X-CSRFToken": fields["csrf_token"]}))


# --- 2. Text round-trips exactly ------------------------------------------------------------------


def assert_shown_exactly(client, key: str, text: str) -> None:
    """``text`` is what is stored under ``key`` and what every page and route showing it shows."""
    assert stored_text(client, key) == text
    page = parse(checked(client.get(f"/messages/{key}")))
    assert page.select_one(".message-key").get_text() == key
    assert page.select_one(".message-text").get_text() == text
    # The textarea as a browser reads it: form_fields drops the newline that may open it.
    assert form_fields(main_form(checked(client.get(f"/messages/{key}/edit"))))["text"] == text
    assert parse(checked(client.get(f"/messages/{key}/delete"))).select_one(".message-text").get_text() == text
    plain = checked(client.get(f"/show/{key}"))
    assert (plain.status_code, plain.mimetype, plain.mimetype_params.get("charset")) == (200, "text/plain", "utf-8")
    assert plain.data == text.encode("utf-8")
    # In the list, and in the results of a search for (the start of) the text, which finds it: the
    # excerpt is the text, or past 160 characters (and 5 of leeway) its start followed by "...".
    query = text[:SEARCH_MAX_LENGTH]
    search = parse(checked(client.get("/", query_string={"q": query})))
    assert search.select_one("#q")["value"] == query.strip()  # the search box keeps it, trimmed
    for listing in (parse(checked(client.get("/?sort=updated"))), search):
        excerpts = {
            row.select_one(".message-key").get_text(): row.select_one(".message-excerpt").get_text()
            for row in listing.select(".message-row")
        }
        assert key in excerpts
        excerpt = excerpts[key]
        assert excerpt == text if len(text) <= 165 else (excerpt.endswith("...") and text.startswith(excerpt[:-3]))


@properties(50)
@given(key=typed_keys(), text=typed_texts(), new_text=typed_texts())
@example(key=("  note.1 ", "note.1"), text=("  Hi\r\nthere  ", "Hi\nthere"), new_text=("\r\n<b>\r\r\nx\t", "<b>\n\nx"))
def test_text_typed_into_the_forms_round_trips_exactly(fresh_client, key, text, new_text):
    (typed_key, key), (typed, expected), (typed_new, expected_new) = key, text, new_text
    client = fresh_client()
    response = checked(submit_form(client, "/messages/new", {"key": typed_key, "text": typed}))
    assert (response.status_code, response.headers["Location"]) == (303, f"/messages/{key}")
    assert_shown_exactly(client, key, expected)

    response = checked(submit_form(client, f"/messages/{key}/edit", {"text": typed_new}))
    assert (response.status_code, response.headers["Location"]) == (303, f"/messages/{key}")
    assert_shown_exactly(client, key, expected_new)

    # The greeting and /hello are the text of "default", edited through the same form.
    assert checked(submit_form(client, "/messages/default/edit", {"text": typed})).status_code == 303
    assert parse(checked(client.get("/"))).select_one(".greeting").get_text() == expected
    assert checked(client.get("/hello")).data == expected.encode("utf-8")


@properties(30)
@given(key=new_keys, text=typed_texts())
def test_text_added_through_the_plain_text_route_round_trips_exactly(fresh_client, key, text):
    """``/add/<key>/<message>`` as the old program's users call it, the text percent-encoded in the path.
    A slash cannot be in a path segment (``%2F`` is decoded before routing), so none is typed here."""
    typed, expected = (part.replace("/", "|") for part in text)
    client = fresh_client()
    response = checked(client.get(f"/add/{key}/{encoded(typed)}"))
    assert (response.status_code, response.mimetype) == (200, "text/plain")
    assert response.get_data(as_text=True) == f"{key} Added/Updated"
    assert_shown_exactly(client, key, expected)


# --- 3. Nothing injected --------------------------------------------------------------------------


def stored_pages(client, key: str, text: str) -> list:
    """Store ``text`` under ``key`` (added) and ``default`` (edited) through the forms, then fetch
    every page that shows a stored text: the list (greeting and excerpts), a search for the text,
    the message, its edit and delete pages, and the plain-text routes."""
    response = checked(submit_form(client, "/messages/new", {"key": key, "text": text}))
    assert response.status_code == 303
    assert checked(submit_form(client, "/messages/default/edit", {"text": text})).status_code == 303
    urls = [
        "/",
        "/?sort=updated",
        "/?" + urlencode({"q": text[:SEARCH_MAX_LENGTH]}),
        f"/messages/{key}",
        f"/messages/{key}/edit",
        f"/messages/{key}/delete",
        "/messages/default",
        "/hello",
        f"/show/{key}",
    ]
    return [checked(client.get(url)) for url in urls]


@properties(40)
@given(key=new_keys, text=stored_texts)
@example(key="k", text='"><img src=x onerror=alert(1)>').via("the classic")
@example(key="k", text="</textarea><script>alert(1)</script>").via("closing the textarea")
@example(key="k", text="{{ 7*7 }}{% raw %}<!--").via("template syntax and a comment are text")
def test_a_stored_text_injects_nothing(fresh_client, key, text):
    with_text = stored_pages(fresh_client(), key, text)
    for response, twin in zip(with_text, stored_pages(fresh_client(), key, neutral_text(text)), strict=True):
        same_structure(response, twin)
    # ...and it shows as text where it should.
    index, _, search, show = with_text[:4]
    assert parse(show).select_one(".message-text").get_text() == text
    assert parse(index).select_one(".greeting").get_text() == text
    query = text[:SEARCH_MAX_LENGTH].strip()
    assert parse(search).select_one("#q")["value"] == query
    assert parse(search).select_one(".summary bdi").get_text() == query
    assert len(parse(search).select(".message-row")) == 2  # searching for a text finds it (here, twice)


# What a submitted form adds to the fields typed into it: the CSRF token and the field names.
FORM_OVERHEAD_BYTES = 1024


def typed_into_the_forms(client, key: str, text: str, revision: str | None) -> list:
    """Submit ``key`` and ``text`` to the add form, and ``text`` (with ``revision``, if given) to
    the edit form of ``default``; return the answers (a rejected form shows what was typed)."""
    added = checked(submit_form(client, "/messages/new", {"key": key, "text": text}))
    changes = {"text": text} if revision is None else {"text": text, "revision": revision}
    edited = checked(submit_form(client, "/messages/default/edit", changes))
    return [added, edited]


@properties(60)
@given(key=any_keys, text=any_texts, revision=st.none() | revisions)
@example(key='"><script>alert(1)</script>', text="</textarea><img src=x onerror=alert(1)>", revision='"><b>')
@example(key="new", text="\x07<b>bell</b>", revision=None)
@example(key="0", text="\n", revision=None).via(
    "form_fields (conftest) dropped two opening line breaks; browsers drop one"
)
def test_what_is_typed_into_a_rejected_form_injects_nothing(fresh_client, key, text, revision):
    """Arbitrary input, shown back as typed by a rejected form (or saved by an accepted one), against its twin's."""
    # A body over MAX_CONTENT_LENGTH answers 413 before any rule looks at it, where its ASCII twin is far
    # smaller (a 4-byte character is 12 bytes encoded): tests/test_request_limits.py covers that answer.
    client = fresh_client()
    fields = {"key": key, "text": text, "revision": revision or ""}
    assume(len(urlencode(fields)) + FORM_OVERHEAD_BYTES <= client.application.config["MAX_CONTENT_LENGTH"])
    answers = typed_into_the_forms(client, key, text, revision)
    twin_revision = None if revision is None else neutral_number(revision)
    twins = typed_into_the_forms(fresh_client(), neutral_key(key), neutral_text(text), twin_revision)
    for response, twin in zip(answers, twins, strict=True):
        same_structure(response, twin)
    added = answers[0]
    if added.status_code == 422:  # the form keeps everything typed, but what HTML cannot hold (shown as U+FFFD)
        fields = form_fields(main_form(added))
        assert (fields["key"], fields["text"]) == (NOT_IN_HTML.sub("\ufffd", key), NOT_IN_HTML.sub("\ufffd", text))


@properties(60)
@given(key=any_keys, page=st.none() | numbers, q=st.none() | query_values, sort=st.none() | query_values)
@example(key="<b>x</b>", page="<b>", q='"><img src=x onerror=alert(1)>', sort="<script>")
def test_route_and_query_parameters_inject_nothing(fresh_client, key, page, q, sort):
    """Parameters that pages repeat (a key in a 404 page or an edit form, a search, a bad page number
    or order in a 400 page), against their twins, on an empty site: every search finds nothing."""

    def answers(key, text, parameters):
        client = fresh_client()
        with client.application.app_context():
            store.delete_message(store.DEFAULT_KEY)
        path_key = encoded(key)
        parameters = {name: value for name, value in parameters.items() if value is not None}
        token = csrf_token(client)
        return [
            client.get("/", query_string=parameters),
            client.get(f"/messages/{path_key}"),
            client.get(f"/messages/{path_key}/edit"),
            client.get(f"/messages/{path_key}/delete"),
            # Saving a message that is not there: the conflict page, with the key and the text.
            client.post(f"/messages/{path_key}/edit", data={"csrf_token": token, "text": text, "revision": "1.1"}),
            client.get(f"/show/{path_key}"),
        ]

    with_values = answers(key, key, {"page": page, "q": q, "sort": sort})
    twins = answers(
        neutral_key(key),
        neutral_text(key),
        {
            "page": None if page is None else neutral_number(page),
            # a key's twin: an empty search offers to add a message with that key when it is a valid one
            "q": None if q is None else neutral_key(q),
            "sort": sort if sort in store.SORT_ORDERS or sort is None else "x",
        },
    )
    for response, twin in zip(with_values, twins, strict=True):
        same_structure(response, twin)
