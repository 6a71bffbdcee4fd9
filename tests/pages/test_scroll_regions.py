"""Every table wrapper that can scroll sideways (``.table-wrap``) is a focusable region with a
name: static/js/scroll-regions.js makes it one, named by its table, so each wrapped table must
carry a name (a caption, aria-labelledby or aria-label), or the wrapper its own attributes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
WRAPPER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-wrap\b[^\"]*\"[^>]*>", re.S)
TABLE = re.compile(r"<table\b[^>]*>", re.S)
NAMED = re.compile(r"\baria-label(ledby)?=\"[^\"]+\"")


def _named_wrapper(tag: str) -> bool:
    return 'role="region"' in tag and 'tabindex="0"' in tag and bool(NAMED.search(tag))


def _named_table(template: str, wrapper_end: int) -> bool:
    table = TABLE.search(template, wrapper_end)
    if table is None:
        return False
    if NAMED.search(table.group(0)):
        return True
    caption = re.match(r"\s*<caption\b[^>]*>(.+?)</caption>", template[table.end() :], re.S)
    return caption is not None and caption.group(1).strip() != ""


def scroll_wrappers_without_a_name() -> list[str]:
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        template = path.read_text()
        for wrapper in WRAPPER.finditer(template):
            if not (_named_wrapper(wrapper.group(0)) or _named_table(template, wrapper.end())):
                line = template.count("\n", 0, wrapper.start()) + 1
                missing.append(f"{path.relative_to(ROOT)}:{line}")
    return missing


def test_the_walk_finds_the_wrappers():
    wrappers = sum(len(WRAPPER.findall(path.read_text())) for path in TEMPLATES.rglob("*.html"))
    assert wrappers >= 30


def test_every_table_wrapper_can_become_a_named_region():
    assert scroll_wrappers_without_a_name() == []


def test_the_pages_load_the_script_that_makes_them_regions():
    assert "js/scroll-regions.js" in (TEMPLATES / "base.html").read_text()
