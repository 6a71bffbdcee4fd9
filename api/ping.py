"""The API's floor: an answer that touches no database, session or cache, so that what it costs
is the framework's own (the benchmark measures every endpoint against it), and a load balancer
can ask whether a worker answers at all."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class PingApi(APIView):
    """Answers ``{"ok": true}`` to anyone, reading nothing: no authentication (a token would be
    looked up in the database), no permission and no throttle (each reads the cache)."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    @classmethod
    def as_view(cls, **initkwargs):
        # Every other request runs in a transaction (ATOMIC_REQUESTS), which would open a
        # database connection for this one too.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    class PingOutput(serializers.Serializer):
        ok = serializers.BooleanField()

    @extend_schema(responses=PingOutput)
    def get(self, request):
        return Response({"ok": True})
