"""Sign-up, log-in, settings (language, time zone, API tokens, members) and invitations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kontaktpflege.accounts import selectors, services, throttle
from kontaktpflege.accounts.models import Invitation, role_choices
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.web.decorators import member_required, owner_required
from kontaktpflege.web.forms.accounts import (
    ApiTokenForm,
    ApprovedSenderForm,
    EmailChangeForm,
    InvitationForm,
    LoginForm,
    PreferencesForm,
    SignupForm,
)
from kontaktpflege.web.params import safe_next


def signup(request: WorkspaceRequest) -> HttpResponse:
    """Create an account with a personal workspace (unless sign-up is closed).

    Every valid submission gets the same answer, "check your email", whether the username
    or address exist or not (signup_request mails what happened); a bot that fills the
    honeypot gets it too and nothing is created.
    """
    if not settings.ALLOW_SIGNUP:
        raise Http404
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        wait = throttle.blocked(request, "signup", request.POST.get("email", ""))
        if wait:
            return _throttled(request, "accounts/signup.html", {"form": SignupForm()}, wait)
        throttle.record(request, "signup", request.POST.get("email", ""))
    if request.method == "POST" and form.is_valid():
        if form.is_bot:
            return redirect("signup_done")
        try:
            services.signup_request(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                language=translation.get_language() or "de",
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("signup_done")
    return TemplateResponse(request, "accounts/signup.html", {"form": form})


def signup_done(request: WorkspaceRequest) -> HttpResponse:
    """The one answer to every sign-up: check your email."""
    return TemplateResponse(request, "accounts/signup_done.html", {})


def _throttled(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    """A page refusing a throttled client (429) with the wait in minutes."""
    context = {**context, "throttle_message": throttle.message(wait)}
    response = TemplateResponse(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


LOGIN_LANGUAGE_KEY = "login_language"


class LoginView(auth_views.LoginView):
    """Log-in with the throttled form; a throttled attempt is answered with 429.

    A language picked on the log-in page (kept in the anonymous session by language_switch)
    becomes the account's language at log-in; without a pick the account's language stays.
    """

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        picked = self.request.session.get(LOGIN_LANGUAGE_KEY)
        response = super().form_valid(form)
        self.request.session.pop(LOGIN_LANGUAGE_KEY, None)
        user = form.get_user()
        if picked in ("de", "en") and picked != user.language:
            services.user_update_preferences(user=user, language=picked, time_zone=user.time_zone)
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.throttle_message:
            response.status_code = 429
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Password reset, throttled per client IP and per address (each request sends a mail)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = request.POST.get("email", "")
        wait = throttle.blocked(request, "password_reset", email)
        if wait:
            context = self.get_context_data(form=self.get_form())
            return _throttled(request, str(self.template_name), context, wait)
        throttle.record(request, "password_reset", email)
        return super().post(request, *args, **kwargs)


@member_required
def settings_page(request: WorkspaceRequest, *, new_token: str = "") -> HttpResponse:
    """Language, time zone, API tokens and workspace members; `new_token` is a raw API key
    just created, shown in this one answer (kept in no session) and never cached."""
    user = request.user
    prefs = PreferencesForm(
        request.POST if request.POST.get("action") == "preferences" else None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "time_zone": user.time_zone,
        },
    )
    if (
        request.method == "POST"
        and request.POST.get("action") == "preferences"
        and prefs.is_valid()
    ):
        try:
            services.user_update_preferences(
                user=user,
                language=prefs.cleaned_data["language"],
                time_zone=prefs.cleaned_data["time_zone"],
                first_name=prefs.cleaned_data["first_name"],
                last_name=prefs.cleaned_data["last_name"],
            )
        except ValidationError as exc:
            prefs.add_service_errors(exc)
        else:
            translation.activate(prefs.cleaned_data["language"])
            messages.success(request, _("Settings saved."))
            return redirect("settings")
    context = {
        "prefs_form": prefs,
        "token_form": ApiTokenForm(),
        "tokens": selectors.api_tokens_for_user(user),
        "members": selectors.workspace_members(request.workspace),
        "invite_form": InvitationForm(),
        "invitations": selectors.open_invitations(request.workspace),
        "email_form": EmailChangeForm(initial={"email": user.email}),
        "sender_form": ApprovedSenderForm(),
        "approved_senders": selectors.approved_senders(request.workspace),
        "site_domain": selectors.site_mail_domain(),
        "my_workspaces": selectors.user_memberships(request.user),
        "roles": role_choices(request.workspace),
        "new_token": new_token,
        "settings_section": "profile",
    }
    response = TemplateResponse(request, "accounts/settings.html", context)
    if new_token:
        add_never_cache_headers(response)
    return response


@member_required
@require_http_methods(["GET", "POST"])
def token_create(request: WorkspaceRequest) -> HttpResponse:
    """Create an API token and show it once, in this response (never through the session).
    A GET (a reload, or a language switch from that page) goes back to the settings."""
    if request.method == "GET":
        return redirect(reverse("settings") + "#tokens")
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.api_token_create(
            user=request.user,
            workspace=request.workspace,
            name=form.cleaned_data["name"],
        )
        return settings_page(request, new_token=raw)
    messages.error(request, _("Give the token a name."))
    return redirect(reverse("settings") + "#tokens")


@member_required
@require_POST
def token_revoke(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's API tokens."""
    token = selectors.api_token_get_for_user(request.user, pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("Token revoked."))
    return redirect(reverse("settings") + "#tokens")


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _to_settings(anchor: str) -> HttpResponse:
    return redirect(reverse("settings") + anchor)


@owner_required
@require_POST
def invitation_create(request: WorkspaceRequest) -> HttpResponse:
    """Invite someone into the workspace by email (rate limited)."""
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _to_settings("#members")
    try:
        services.invitation_create(
            workspace=request.workspace,
            invited_by=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Invitation sent."))
    return _to_settings("#members")


def invitation_accept(request: WorkspaceRequest, token: str) -> HttpResponse:
    """Join a workspace from an invitation link, as the account with the invited address."""
    invitation = Invitation.objects.select_related("workspace").filter(token=token).first()
    if invitation is None or not services.invitation_is_open(invitation):
        return TemplateResponse(request, "accounts/invitation_invalid.html", {}, status=404)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    if not services.invitation_is_for(invitation, request.user):
        context = {"same_address": request.user.email.lower() == invitation.email}
        return TemplateResponse(request, "accounts/invitation_other.html", context, status=403)
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError:
            return TemplateResponse(request, "accounts/invitation_invalid.html", {}, status=404)
        messages.success(request, _("You joined %(name)s.") % {"name": invitation.workspace.name})
        return redirect("today")
    return TemplateResponse(request, "accounts/invitation.html", {"invitation": invitation})


@owner_required
@require_POST
def invitation_revoke(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Withdraw an open invitation."""
    services.invitation_revoke(
        invitation=selectors.invitation_get(workspace=request.workspace, pk=pk)
    )
    messages.success(request, _("Invitation withdrawn."))
    return redirect(reverse("settings") + "#members")


@owner_required
@require_POST
def member_role(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Change a member's role."""
    membership = selectors.membership_get(workspace=request.workspace, pk=pk)
    try:
        services.membership_set_role(membership=membership, role=request.POST.get("role", ""))
        messages.success(request, _("Role changed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("settings") + "#members")


@owner_required
def member_remove(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Remove a member after confirmation."""
    membership = selectors.membership_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership)
            messages.success(request, _("%(name)s was removed.") % {"name": membership.user})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(reverse("settings") + "#members")
    return TemplateResponse(request, "accounts/member_remove.html", {"member": membership})


@login_required
@require_POST
def email_change(request: WorkspaceRequest) -> HttpResponse:
    """Change the account email; it needs confirming again."""
    form = EmailChangeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_errors(form))
        services.user_change_email(user=request.user, email=form.cleaned_data["email"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved. Open the link we sent to confirm the address."))
    return _to_settings("#email")


@login_required
@require_POST
def email_verification_resend(request: WorkspaceRequest) -> HttpResponse:
    """Send the confirmation link again (at most one every few minutes)."""
    if request.user.email_verified:
        messages.info(request, _("Your email address is confirmed."))
    elif services.email_verification_send(user=request.user):
        messages.success(
            request, _("We sent a confirmation link to %(email)s.") % {"email": request.user.email}
        )
    else:
        messages.error(request, _("A link was sent a moment ago; please wait a few minutes."))
    return _to_settings("#email")


def email_confirm(request: WorkspaceRequest, token: str) -> HttpResponse:
    """Confirm an address from the emailed link; a button, so that link scanners do not."""
    try:
        user = services.email_confirmation_user(token)
        if request.method == "POST":
            user = services.email_confirm(token=token)
    except ValidationError as exc:
        error = {"error": " ".join(exc.messages)}
        return TemplateResponse(request, "accounts/email_confirm.html", error, status=400)
    context = {"email": user.email, "done": request.method == "POST"}
    return TemplateResponse(request, "accounts/email_confirm.html", context)


@owner_required
@require_POST
def approved_sender_add(request: WorkspaceRequest) -> HttpResponse:
    """Approve an address at the site's mail domain as a sender for this workspace."""
    form = ApprovedSenderForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_errors(form))
        services.approved_sender_add(
            workspace=request.workspace, email=form.cleaned_data["email"], approved_by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sender address approved."))
    return _to_settings("#senders")


@owner_required
@require_POST
def approved_sender_remove(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Withdraw an approved sender address."""
    approved = selectors.approved_sender_get(workspace=request.workspace, pk=pk)
    services.approved_sender_remove(approved=approved)
    messages.success(request, _("Approval withdrawn."))
    return _to_settings("#senders")


@login_required
@require_POST
def workspace_switch(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Work in another of your workspaces."""
    workspace = services.workspace_switch(user=request.user, workspace_id=pk)
    messages.success(request, _("You are working in %(name)s.") % {"name": workspace.name})
    return redirect("today")


@require_POST
def language_switch(request: WorkspaceRequest) -> HttpResponse:
    """Switch the UI language; a logged-in user's choice is stored on the account."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request, "/"))
    if language not in ("de", "en"):
        return response
    if request.user.is_authenticated:
        services.user_update_preferences(
            user=request.user,
            language=language,
            time_zone=request.user.time_zone,
        )
    else:  # picked before logging in: LoginView saves it to the account
        request.session[LOGIN_LANGUAGE_KEY] = language
    response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 86400)
    return response


urlpatterns = [
    path("signup/", signup, name="signup"),
    path("signup/done/", signup_done, name="signup_done"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        login_required(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password/change/done/",
        login_required(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("settings/", settings_page, name="settings"),
    path("settings/tokens/", token_create, name="token_create"),
    path("settings/tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
    path("settings/invitations/", invitation_create, name="invitation_create"),
    path("settings/invitations/<int:pk>/revoke/", invitation_revoke, name="invitation_revoke"),
    path("settings/members/<int:pk>/role/", member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", member_remove, name="member_remove"),
    path("workspaces/<int:pk>/switch/", workspace_switch, name="workspace_switch"),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("settings/email/", email_change, name="email_change"),
    path("settings/email/resend/", email_verification_resend, name="email_verification_resend"),
    path("email/confirm/<str:token>/", email_confirm, name="email_confirm"),
    path("settings/senders/", approved_sender_add, name="approved_sender_add"),
    path(
        "settings/senders/<int:pk>/remove/", approved_sender_remove, name="approved_sender_remove"
    ),
    path("language/", language_switch, name="language_switch"),
]
