"""Bearer-token authentication for the API; tokens are created in the UI."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.errors import HttpError
from ninja.security import HttpBearer

from kontaktpflege.accounts import throttle
from kontaktpflege.accounts.models import ApiToken, Membership
from kontaktpflege.core.timeutils import user_zone


class TokenAuth(HttpBearer):
    """Resolve `Authorization: Bearer kp_…` to a user and a workspace, and answer in the
    user's language unless the request names one in Accept-Language.

    Failed tokens are counted per client IP; past the limit every token from that address
    is answered with 429 until the window ends.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        wait = throttle.blocked(request, "api_token")
        if wait:
            raise HttpError(429, throttle.message(wait))
        api_token = self._resolve(request, token)
        if api_token is None:
            throttle.record(request, "api_token")
        return api_token

    def _resolve(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 200:
            return None
        api_token = (
            ApiToken.objects.select_related("user", "workspace")
            .filter(key_hash=ApiToken.hash(token), user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        membership = Membership.objects.filter(
            user_id=api_token.user_id, workspace_id=api_token.workspace_id
        ).first()
        if membership is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        timezone.activate(user_zone(api_token.user))  # deactivated by WorkspaceMiddleware
        if not request.headers.get("Accept-Language"):
            # As on the web, the user's language; a request may still ask for another one.
            translation.activate(api_token.user.language)
            request.LANGUAGE_CODE = api_token.user.language  # type: ignore[attr-defined]
        request.user = api_token.user
        request.workspace = api_token.workspace  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        return api_token
