"""Thirteen languages, always complete: every catalogue translates every message, with no fuzzy
or obsolete entry, the right number of plural forms, and the placeholders of its source."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
SOURCE_LANGUAGE = "en"  # its messages are their own translation
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language)


def forms(value) -> list[str]:
    return list(value) if isinstance(value, list | tuple) else [value]


def test_every_offered_language_has_a_catalogue():
    offered = {code for code, _name in settings.LANGUAGES}
    assert len(offered) == 13
    assert offered == {path.parent.parent.name for path in LOCALE.glob("*/LC_MESSAGES/django.po")}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_catalogue_is_complete_and_keeps_its_placeholders(language):
    messages = catalogue(language)
    source = catalogue(SOURCE_LANGUAGE)
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id} == {
        m.id if isinstance(m.id, str) else m.id[0] for m in source if m.id
    }, "the catalogues hold different messages: run make messages"
    assert not messages.obsolete, f"obsolete entries: {list(messages.obsolete)[:5]}"
    problems = []
    for message in messages:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        if language == SOURCE_LANGUAGE:
            continue
        translations = forms(message.string)
        if not all(translations):
            problems.append(("untranslated", message.id))
            continue
        if message.pluralizable and len(translations) != messages.num_plurals:
            problems.append((f"{len(translations)} plural forms", message.id))
        wanted = {p for text in forms(message.id) for p in PLACEHOLDER.findall(text)}
        for translation in translations:
            got = set(PLACEHOLDER.findall(translation))
            # A plural form may leave the count out ("one booking"), never add a placeholder.
            if got - wanted or (not message.pluralizable and wanted - got):
                problems.append((f"placeholders {sorted(got)} for {sorted(wanted)}", message.id))
    assert not problems, problems[:10]


# English is its own source; its catalogue only writes a percent sign the English way: "40%".
LITERAL_PERCENT_AFTER_NUMBER = re.compile(r"(\d|\)s) (%%(?!\()|%(?![(%a-z]))")


def test_the_english_catalogue_only_drops_the_space_before_a_percent_sign():
    for message in catalogue(SOURCE_LANGUAGE):
        if message.id and isinstance(message.id, str) and message.string:
            assert message.string == LITERAL_PERCENT_AFTER_NUMBER.sub(r"\1\2", message.id), (
                message.id,
                message.string,
            )
