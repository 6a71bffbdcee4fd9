"""The OpenAPI schema's description of each operation, with the error answers every operation
of its kind can give: a client reads from the schema what it may get back, not only the
success (DESIGN.md §6: bad input 400 with the field and the reason, 401 without a valid token,
403 refused, 404 unknown or not visible, 429 too many requests)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

BAD_INPUT = OpenApiResponse(description=_("A field is wrong; the reason is given."))
REFUSED = OpenApiResponse(description=_("The user sees this but may not do this."))
UNKNOWN = OpenApiResponse(description=_("Not found, or not visible to the user."))


class ErrorSerializer(serializers.Serializer):
    """An error that concerns the whole request; a conflict may say more in further keys."""

    detail = serializers.CharField(help_text=_("What went wrong, in the user's language."))


NOT_SIGNED_IN = OpenApiResponse(description=_("No valid token: sign in again."))
TOO_MANY = OpenApiResponse(description=_("Too many requests: try again later."))
# The field errors: each wrong field (or non_field_errors) with its reasons.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": _("Each wrong field with the reasons, as a list of messages."),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, adding to each operation the error answers it can give unless the
    operation declares them itself, and a body to every declared error answer that has none."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, answer in self._error_answers(operation).items():
            declared = responses.get(code)
            if declared is None:
                responses[code] = self._error_response(code, answer)
            elif "content" not in declared:
                declared["content"] = self._error_response(code, answer)["content"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_answers(self, operation: dict[str, Any]) -> dict[str, OpenApiResponse]:
        places = {parameter["in"] for parameter in operation.get("parameters", [])}
        paginated = any(
            parameter["name"] == "page" and parameter["in"] == "query"
            for parameter in operation.get("parameters", [])
        )
        answers = {
            code: answer
            for code, answer in operation["responses"].items()
            if code >= "400" and code != "default"
        }
        # Every write goes through a service that validates (its refusal says the field), and
        # input in a body or a query is read by a serializer or a filter.
        if self.method not in ("GET", "HEAD") or "requestBody" in operation or "query" in places:
            answers.setdefault("400", BAD_INPUT)
        if self._signed_in_only():
            answers.setdefault("401", NOT_SIGNED_IN)
            answers.setdefault("403", REFUSED)
        if "path" in places or paginated:  # a page past the last is not found either
            answers.setdefault("404", UNKNOWN)
        answers.setdefault("429", TOO_MANY)
        return answers

    def _signed_in_only(self) -> bool:
        return not all(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )

    def _error_response(self, code: str, answer: Any) -> dict[str, Any]:
        description = answer.description if isinstance(answer, OpenApiResponse) else ""
        if isinstance(answer, dict):  # a declared answer, as the schema has it already
            description = answer.get("description", "")
        body = FIELD_ERRORS if code == "400" else ErrorSerializer
        # An error comes in what the client negotiated: JSON, or the export's own type.
        return self._get_response_for_code(OpenApiResponse(body, description=description), code)
