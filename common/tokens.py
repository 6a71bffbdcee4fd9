"""Random tokens for secret URLs."""

import secrets


def new_feed_token() -> str:
    """A calendar feed's secret: 192 bits, URL-safe."""
    return secrets.token_urlsafe(24)
