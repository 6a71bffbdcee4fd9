"""What the page tests share: reading a page as its user sees it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _ErrorReader(HTMLParser):
    """Reads a page's summary of errors, its error messages and the elements that have an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: dict[str, dict[str, str]] = {}
        self.summary: list[tuple[str, str]] = []  # (link target or "", text)
        self.messages: dict[str, list[str]] = {}  # id of an error list → its messages
        self.non_field: list[str] = []
        self._in_summary = 0
        self._item: list[str] | None = None
        self._target = ""
        self._list: tuple[str, list[str]] | None = None  # (its id or "", its messages)
        self._message: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.elements[attributes["id"]] = {"tag": tag, **attributes}
        classes = attributes.get("class", "").split()
        if tag == "div" and "error-summary" in classes:
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        elif self._in_summary and tag == "li":
            self._item, self._target = [], ""
        elif self._in_summary and tag == "a" and self._item is not None:
            self._target = attributes.get("href", "").removeprefix("#")
        elif tag == "ul" and "errorlist" in classes:
            self._list = (attributes.get("id", ""), [])
        elif tag == "li" and self._list is not None:
            self._message = []

    def handle_endtag(self, tag: str) -> None:
        if self._in_summary and tag == "div":
            self._in_summary -= 1
        elif self._item is not None and tag == "li":
            self.summary.append((self._target, " ".join("".join(self._item).split())))
            self._item = None
        elif self._message is not None and tag == "li" and self._list is not None:
            self._list[1].append(" ".join("".join(self._message).split()))
            self._message = None
        elif self._list is not None and tag == "ul":
            list_id, texts = self._list
            if list_id:
                self.messages[list_id] = texts
            else:
                self.non_field.extend(texts)
            self._list = None

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item.append(data)
        if self._message is not None:
            self._message.append(data)


def error_summary_problems(page: str) -> list[str]:
    """What is wrong with a refused page's summary of errors, as sentences (none: all is well).

    The page must have one summary; every error message of the page must be in it; each
    field's error must be a link to an element of the page, which is marked invalid and
    described by that message (WCAG 1.3.1, 3.3.1).
    """
    reader = _ErrorReader()
    reader.feed(page)
    problems: list[str] = []
    summaries = page.count('class="error-summary"')
    if summaries != 1:
        problems.append(f"{summaries} summaries of errors")
    summary_texts = [text for _, text in reader.summary]
    problems += [f"{m!r} is not in the summary" for m in reader.non_field if m not in summary_texts]
    for list_id, texts in reader.messages.items():
        field_id = list_id.removesuffix("_error")
        # the field itself, the first of its inputs (a date and a time), or its message
        targets = {field_id, f"{field_id}_0", list_id}
        problems += [
            f"{message!r} of {field_id} is not a link in the summary"
            for message in texts
            if not any(
                target in targets and text.endswith(f": {message}")
                for target, text in reader.summary
            )
        ]
    for target, text in reader.summary:
        if not target:
            continue
        element = reader.elements.get(target)
        if element is None:
            problems.append(f"{text!r} leads to {target!r}, which the page lacks")
            continue
        if element["tag"] in ("input", "select", "textarea"):
            described = element.get("aria-describedby", "").split()
            if element.get("aria-invalid") != "true":
                problems.append(f"{target!r} is not marked invalid")
            if not any(reader.messages.get(ref) for ref in described):
                problems.append(f"{target!r} is not described by its error message")
        elif target not in reader.messages:
            problems.append(f"{text!r} leads to {target!r}, neither a field nor its message")
    if not reader.summary:
        problems.append("the summary lists nothing")
    return problems
