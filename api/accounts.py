"""Token sign-in for API clients, and who the signed-in user is."""

from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from api.tokens import token_expires_at, token_issue, token_list_for_user, tokens_revoke
from members.models import Role
from members.selectors import role_list_for_user, user_must_set_up_mfa
from members.services import personal_data_export_deliver
from members.sign_in_limits import sign_in_failure_record, sign_in_held


class TokenApi(APIView):
    """Exchange an e-mail address and password for an API token; with the code of the
    authenticator app (or a recovery code) too for an account that has two-factor sign-in. An
    API client holds no security key: an account with a key alone gives a recovery code."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    class Input(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
        code = serializers.CharField(required=False, allow_blank=True)

    class TokenOutput(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=Input, responses=TokenOutput)
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        user = authenticate(request, email=email, password=data.validated_data["password"])
        held = sign_in_held(email=email, user=user)
        if user is None:
            sign_in_failure_record(email=email)
        if held:
            raise Throttled(wait=settings.SIGN_IN_FAILURE_WINDOW_SECONDS)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with these credentials.")]}
            )
        if is_mfa_enabled(user):
            # allauth's own check of the code: counted against its rate limit, a recovery code
            # used up, a TOTP code not accepted twice.
            second = BaseAuthenticateForm(
                data={"code": data.validated_data.get("code", "")}, user=user
            )
            if not second.is_valid():
                raise serializers.ValidationError({"code": second.errors["code"]})
        token = token_issue(user=user)
        return Response(self.TokenOutput(token_output(token)).data)


def token_output(token) -> dict:
    return {"token": token.key, "expires_at": token_expires_at(token)}


class TokensApi(APIView):
    """The signed-in user's API tokens: when each was issued and expires (not the secret), and
    revoking them all (signing out every client that holds one)."""

    class TokenInfo(serializers.Serializer):
        created = serializers.DateTimeField()
        expires_at = serializers.DateTimeField()
        ends_with = serializers.CharField(help_text=_("The token's last four characters."))

    @extend_schema(responses=TokenInfo(many=True))
    def get(self, request):
        tokens = token_list_for_user(user=request.user)
        rows = [
            {"created": t.created, "expires_at": token_expires_at(t), "ends_with": t.key[-4:]}
            for t in tokens
        ]
        return Response(self.TokenInfo(rows, many=True).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        tokens_revoke(user=request.user)
        return Response(status=204)


class RoleOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", default=None, allow_null=True)
    city_name = serializers.CharField(source="city.name", default=None, allow_null=True)

    class Meta:
        model = Role
        fields = ["id", "kind", "project", "project_name", "city", "city_name", "granted_at"]


class MeApi(APIView):
    """The signed-in user and their open roles; answers staff who still owe a second factor
    too, with ``mfa_required``, so that a client can tell them why the rest answers 403."""

    permission_classes = [IsAuthenticated]

    class MeOutput(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        language = serializers.CharField()
        is_platform_admin = serializers.BooleanField(source="is_superuser")
        roles = RoleOutput(many=True, source="open_roles")
        mfa_required = serializers.BooleanField()

    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        user.open_roles = list(role_list_for_user(user=user))
        user.mfa_required = user_must_set_up_mfa(user=user)
        return Response(self.MeOutput(user).data)


class MeExportApi(APIView):
    """Everything the platform holds about the signed-in user and their household (GDPR
    art. 15 and 20), the same as the account's JSON download."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        response = Response(personal_data_export_deliver(user=request.user, via="api"))
        response["Content-Disposition"] = 'attachment; filename="netco-my-data.json"'
        add_never_cache_headers(response)
        return response
