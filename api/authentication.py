"""``Authorization: Bearer <token>`` for API clients (scopes) and UI users (model perms)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiClient, ApiUserToken
from .tokens import token_hash


class ApiClientPrincipal:
    """``request.user`` of a business-system call: authenticated, holds no model permission."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.username = f"api:{client.name}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perms, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            token = header[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        digest = token_hash(token)
        client = ApiClient.objects.filter(token_hash=digest).first()
        if client is not None:
            if not client.is_active:
                raise exceptions.AuthenticationFailed(_("This API client is inactive."))
            return ApiClientPrincipal(client), client
        user_token = ApiUserToken.objects.select_related("user").filter(token_hash=digest).first()
        if user_token is None:
            raise exceptions.AuthenticationFailed(_("Unknown token."))
        if not user_token.is_active or not user_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is inactive."))
        return user_token.user, user_token

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Bearer <token>`` in the OpenAPI schema."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
