"""The one-click unsubscribe of campaign mails (RFC 8058), without login.

Every campaign mail names this URL in `List-Unsubscribe` with `List-Unsubscribe-Post:
List-Unsubscribe=One-Click`: the mail program POSTs `List-Unsubscribe=One-Click` to it, with
no cookie and no CSRF token, so the view is csrf-exempt and the signed token is the only
authority (privacy/tokens.py: tampering fails the signature, it expires, and it names the
workspace, person and purpose). The POST withdraws the consent at once and is idempotent: a
repeated POST answers the same and changes nothing. A GET (a person opening the link, or a
scanner fetching it) only shows a page with the button.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kontaktpflege.privacy import services
from kontaktpflege.privacy.models import Purpose, WithdrawalChannel
from kontaktpflege.privacy.tokens import TokenError
from kontaktpflege.web.views.privacy_public import LINK_STATUS


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button; POST (the button or the mail program): withdraw now."""
    try:
        person, purpose = services.consent_withdraw_target(token=token)
    except TokenError as exc:
        if exc.reason == "used":  # this link withdrew already: the same answer, nothing new
            return TemplateResponse(request, "privacy/unsubscribed.html", {"again": True})
        problem = {"reason": exc.reason, "action": "withdraw"}
        status = LINK_STATUS.get(exc.reason, 400)
        return TemplateResponse(request, "privacy/link_problem.html", problem, status=status)
    context: dict[str, object] = {"workspace": person.workspace, "purpose": Purpose(purpose).label}
    if request.method == "GET":
        return TemplateResponse(request, "privacy/unsubscribe.html", context)
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    channel = WithdrawalChannel.ONE_CLICK if one_click else WithdrawalChannel.LINK
    try:
        services.consent_withdraw_by_token(token=token, channel=channel)
    except TokenError:  # a concurrent POST with the same link won
        context["again"] = True
    return TemplateResponse(request, "privacy/unsubscribed.html", context)


urlpatterns = [
    path("consent/unsubscribe/<str:token>/", unsubscribe, name="privacy_unsubscribe"),
]
