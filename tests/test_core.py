"""The base's one rule for whole numbers from requests, and the settings it declares."""

import pytest

from messageboard.core import BEYOND_INTEGER_MAX, INTEGER_MAX, ConfigError, stored_number, whole_number
from messageboard.core.setting import flag, whole


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0", 0),
        ("7", 7),
        ("007", 7),
        (str(INTEGER_MAX), INTEGER_MAX),
        (str(INTEGER_MAX + 1), BEYOND_INTEGER_MAX),
        ("9" * 5000, BEYOND_INTEGER_MAX),
        ("0" * 30 + "5", 5),
    ],
)
def test_ascii_digits_read_as_their_number_saturating_above_the_largest_stored(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", None, "²", "٣", " 5", "+5", "-5", "5.0", "1_000", "five"])
def test_anything_but_ascii_digits_is_not_a_whole_number(text):
    assert whole_number(text) is None
    assert stored_number(text) is None


def test_a_stored_number_is_one_a_database_column_holds():
    assert stored_number(str(INTEGER_MAX)) == INTEGER_MAX
    assert stored_number(str(INTEGER_MAX + 1)) is None


def test_a_declared_setting_names_itself_and_what_it_must_be():
    with pytest.raises(ConfigError, match=r"^PAGES must be a whole number from 1 to 9 \(a note\), not 0$"):
        whole("PAGES", 3, least=1, most=9, note="a note").check({"PAGES": 0})
    with pytest.raises(ConfigError, match=r"^ON must be true or false, not 'yes'$"):
        flag("ON", False).check({"ON": "yes"})
    flag("ON", False).check({"ON": True})
