"""The page a query string asks for."""

import pytest

from shouwang.core.pagination import page_number


@pytest.mark.parametrize(("asked", "page"), [("3", 3), (" 2 ", 2), ("1", 1)])
def test_a_whole_number_from_one_is_the_page(asked, page):
    assert page_number(asked) == page


@pytest.mark.parametrize("asked", [None, "", "0", "-1", "two", "2.5", "１"])
def test_anything_else_is_the_first_page(asked):
    assert page_number(asked) == 1
