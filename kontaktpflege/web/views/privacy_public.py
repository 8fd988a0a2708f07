"""Public pages of the privacy app (no account): the talent-pool sign-up with its privacy
notice, the double opt-in confirmation and the withdrawal page.

Every link is signed, expiring and single-use (privacy/tokens.py). Opening a link shows a
page with one button; the POST does it, so that mail scanners that fetch links neither
confirm nor withdraw. The withdrawal URL also takes the mail program's one-click POST
(RFC 8058, without a CSRF token: the signed token is the authority).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kontaktpflege.accounts import throttle
from kontaktpflege.privacy import selectors, services
from kontaktpflege.privacy.models import PrivacySettings, Purpose, WithdrawalChannel
from kontaktpflege.privacy.notices import consent_statement, current_notice
from kontaktpflege.privacy.tokens import TokenError, withdraw_token_make
from kontaktpflege.web.forms.privacy import PoolSignupForm

# Reasons a link cannot be used → HTTP status of the page that says so.
LINK_STATUS = {"invalid": 400, "expired": 410, "used": 410, "closed": 410}


def _settings_or_404(key: str) -> PrivacySettings:
    found = selectors.privacy_settings_by_key(key)
    if found is None:
        raise Http404
    return found


def _language() -> str:
    language = translation.get_language() or "de"
    return language if language in ("de", "en") else "de"


def _signup_context(found: PrivacySettings, form: PoolSignupForm) -> dict:
    notice = current_notice(
        workspace=found.workspace, language=_language(), months=found.consent_months
    )
    return {"form": form, "workspace": found.workspace, "notice": notice, "key": found.public_key}


def _statement(found: PrivacySettings) -> str:
    return consent_statement(
        workspace=found.workspace, purpose=Purpose.TALENT_POOL, months=found.consent_months
    )


@never_cache
@require_http_methods(["GET", "POST"])
def pool_signup(request: HttpRequest, key: str) -> HttpResponse:
    """The talent-pool sign-up form of one workspace.

    Every valid submission gets the same answer, "check your email" (new, known or withdrawn
    address alike); a filled honeypot gets it too and nothing is stored or sent.
    """
    found = _settings_or_404(key)
    form = PoolSignupForm(request.POST or None, statement=_statement(found))
    if request.method == "POST":
        email = request.POST.get("email", "")
        wait = throttle.blocked(request, "pool_signup", email)
        if wait:
            context = _signup_context(found, PoolSignupForm(statement=_statement(found)))
            context["throttle_message"] = throttle.message(wait)
            response = TemplateResponse(request, "privacy/signup.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        throttle.record(request, "pool_signup", email)
        if form.is_bot:
            return redirect("privacy_signup_done", key=key)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pool_signup(
                workspace=found.workspace,
                name=data["name"],
                email=data["email"],
                interests=data["interests"],
                career_level=data["career_level"],
                job_type=data["job_type"],
                language=_language(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("privacy_signup_done", key=key)
    return TemplateResponse(request, "privacy/signup.html", _signup_context(found, form))


def pool_signup_done(request: HttpRequest, key: str) -> HttpResponse:
    """The one answer to every sign-up: check your email."""
    found = _settings_or_404(key)
    return TemplateResponse(request, "privacy/signup_done.html", {"workspace": found.workspace})


def pool_notice(request: HttpRequest, key: str) -> HttpResponse:
    """The workspace's current privacy notice in the reader's language."""
    found = _settings_or_404(key)
    notice = current_notice(
        workspace=found.workspace, language=_language(), months=found.consent_months
    )
    context = {"workspace": found.workspace, "notice": notice, "key": key}
    return TemplateResponse(request, "privacy/notice.html", context)


def _link_problem(request: HttpRequest, reason: str, action: str) -> HttpResponse:
    context = {"reason": reason, "action": action}
    status = LINK_STATUS.get(reason, 400)
    return TemplateResponse(request, "privacy/link_problem.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The double opt-in link: a page with the statement and one button that confirms."""
    try:
        if request.method == "POST":
            grant = services.consent_confirm(token=token)
        else:
            consent = services.consent_request_for_token(token=token)
            page = {"consent": consent, "workspace": consent.workspace}
            return TemplateResponse(request, "privacy/confirm.html", page)
    except TokenError as exc:
        return _link_problem(request, exc.reason, "confirm")
    withdraw = withdraw_token_make(
        workspace_id=grant.workspace_id, person_id=grant.person_id, purpose=grant.purpose
    )
    context: dict[str, object] = {
        "grant": grant,
        "workspace": grant.workspace,
        "withdraw_token": withdraw,
    }
    return TemplateResponse(request, "privacy/confirmed.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Withdraw consent with one click, without login; takes effect at once."""
    try:
        person, purpose = services.consent_withdraw_target(token=token)
        if request.method == "GET":
            context = {"workspace": person.workspace, "purpose": Purpose(purpose).label}
            return TemplateResponse(request, "privacy/withdraw.html", context)
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        channel = WithdrawalChannel.ONE_CLICK if one_click else WithdrawalChannel.LINK
        services.consent_withdraw_by_token(token=token, channel=channel)
    except TokenError as exc:
        return _link_problem(request, exc.reason, "withdraw")
    context = {"workspace": person.workspace, "purpose": Purpose(purpose).label}
    return TemplateResponse(request, "privacy/withdrawn.html", context)


urlpatterns = [
    path("pool/<str:key>/", pool_signup, name="privacy_signup"),
    path("pool/<str:key>/thanks/", pool_signup_done, name="privacy_signup_done"),
    path("pool/<str:key>/privacy/", pool_notice, name="privacy_notice"),
    path("consent/confirm/<str:token>/", confirm, name="privacy_confirm"),
    path("consent/withdraw/<str:token>/", withdraw, name="privacy_withdraw"),
]
