"""Sections other apps add to an elder's record page, without the registry importing them.

An app registers a function in its ``AppConfig.ready()``; the function takes the request and the elder and
returns rendered HTML (or "" to show nothing). Assessments add the ability level and care plans this way;
orders, alarms and benefits will add theirs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

Panel = Callable[..., str]
_panels: list[Panel] = []


def register_panel(panel: Panel) -> Panel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def panels_for(request, elder) -> list[SafeString]:
    return [mark_safe(html) for panel in _panels if (html := panel(request, elder))]  # noqa: S308 - rendered templates


# What another page shows of an elder for the work on it: an incident the operator handles ("incident") or
# a visit the caregiver makes ("visit"). The health app registers its summary; each page asks
# ``summaries_for`` and shows what comes back, so a lower app shows a higher one's data without importing it.
PAGES = ("incident", "visit")
_summaries: list[Panel] = []


def register_summary(summary: Panel) -> Panel:
    if summary not in _summaries:
        _summaries.append(summary)
    return summary


def summaries_for(request, elder, page: str) -> list[SafeString]:
    assert page in PAGES, page
    return [
        mark_safe(html)  # noqa: S308 - rendered templates
        for summary in _summaries
        if (html := summary(request, elder, page))
    ]
