"""What the page tests share: reading a page as its user sees it."""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.utils import translation
from django.utils.html import escape

# CSRF tokens are random letters and digits: strip them before looking for short strings such as
# a unit label ("1A") that a token can contain by chance.
_CSRF_TOKEN = re.compile(
    r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+', re.IGNORECASE
)


def html(response: HttpResponse) -> str:
    """The page's HTML without its CSRF tokens."""
    return _CSRF_TOKEN.sub(r"\1", response.content.decode())


def french(msgid: str) -> str:
    """The French translation of one of our messages; fails if the catalogue lacks it.

    The French catalogue is translated by hand: reading the translation from the compiled
    catalogue keeps these tests about *whether* a page is in French, not about word choice.
    """
    with translation.override("fr"):
        translated = translation.gettext(msgid)
    assert translated != msgid, (
        f"{msgid!r} has no French translation: compile the catalogues with "
        "`pybabel compile -d locale -D django`"
    )
    return translated


def shows(page: str, text: str) -> bool:
    """Whether the page shows the text, as the template may have HTML-escaped it."""
    return text in page or escape(text) in page


def field_errors(page: str, field: str) -> list[str]:
    """The error messages rendered under a form field (Django's ``id_<field>_error`` list)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S) if match else []
