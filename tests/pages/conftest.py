import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture
def french_client(client: Client) -> Client:
    """A browser whose language cookie asks for French."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    return client
