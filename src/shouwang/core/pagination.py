"""One way to page through lists, for the API and the console alike."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from .text import is_digits

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.count, self.page_size)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def page_count(count: int, page_size: int) -> int:
    """Pages needed for ``count`` rows; an empty list still has one (empty) page."""
    return max(1, -(-count // page_size))


def paginate(queryset: QuerySet, *, page: int = 1, page_size: int | None = None) -> Page:
    page_size = max(1, min(page_size or settings.SHOUWANG_PAGE_SIZE, MAX_PAGE_SIZE))
    count = queryset.count()
    page = max(1, min(page, page_count(count, page_size)))
    start = (page - 1) * page_size
    return Page(items=list(queryset[start : start + page_size]), count=count, page=page, page_size=page_size)


def page_number(asked: str | None) -> int:
    """The page a query string asks for (``?page=3``). Anything but a whole number from 1 shows the first
    page, as Django's ``Paginator.get_page`` does: a hand-edited link is not an error worth a page."""
    text = (asked or "").strip()
    return int(text) if is_digits(text) and int(text) >= 1 else 1
