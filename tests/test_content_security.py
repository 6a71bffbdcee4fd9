"""The Content Security Policy: every answer carries it, and no template writes what it refuses
(an inline script or style, a style attribute, an event-handler attribute) unless it carries the
request's nonce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR) / "templates"
REFUSED = {
    # A JSON data block (type="application/json") is never run, so the policy lets it be.
    "inline script": re.compile(
        r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*\btype=\"application/json\")[^>]*>",
        re.IGNORECASE,
    ),
    "inline style element": re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE),
    "style attribute": re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE),
    "event-handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
}


def directives(header: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.django_db
def test_every_page_carries_a_policy_refusing_inline_and_foreign_code(side_a):
    client = Client()
    client.force_login(side_a.resident_user)
    for path in ("/", "/accounts/login/", f"/projects/{side_a.project.pk}/"):
        policy = directives(client.get(path)["Content-Security-Policy"])
        for directive in ("script-src", "style-src", "default-src"):
            assert policy[directive] == ["'self'"], (path, directive, policy)
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


def test_no_template_writes_what_the_policy_refuses():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}: {match.group(0).strip()}"
        for path in TEMPLATES.rglob("*.html")
        for what, pattern in REFUSED.items()
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, found


@pytest.mark.django_db
def test_the_api_docs_style_carries_the_nonce_the_policy_names(api_client):
    answer = api_client.get("/api/v1/docs/")
    assert answer.status_code == 200
    policy = directives(answer["Content-Security-Policy"])
    nonce = re.search(r'<style nonce="([^"]+)"', answer.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in policy["style-src"]
    assert "https://cdn.jsdelivr.net" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"] + policy["script-src"]
