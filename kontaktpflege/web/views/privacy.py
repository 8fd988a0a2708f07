"""The workspace's privacy settings: the public sign-up address, how long consent lasts,
and the versions of the privacy notice (owners change them; members see them)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.privacy import services
from kontaktpflege.privacy.models import PrivacyNotice
from kontaktpflege.privacy.notices import current_notice
from kontaktpflege.web.decorators import member_required
from kontaktpflege.web.forms.privacy import NoticeForm, PrivacySettingsForm


@member_required
def privacy_settings(request: WorkspaceRequest) -> HttpResponse:
    """Show the settings; an owner's POST saves them (`action=settings`) or publishes a
    notice version (`action=notice`)."""
    found = services.privacy_settings_ensure(workspace=request.workspace)
    is_owner = request.membership.role == "owner"  # type: ignore[attr-defined]
    settings_form = PrivacySettingsForm(
        initial={"signup_enabled": found.signup_enabled, "consent_months": found.consent_months}
    )
    notice_form = NoticeForm(initial={"language": request.user.language})
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "settings":
            settings_form = PrivacySettingsForm(request.POST)
            if _save_settings(request, settings_form):
                return redirect("privacy_settings")
        elif action == "notice":
            notice_form = NoticeForm(request.POST)
            if _publish(request, notice_form):
                return redirect("privacy_settings")
    context = {
        "found": found,
        "is_owner": is_owner,
        "signup_url": request.build_absolute_uri(
            reverse("privacy_signup", args=[found.public_key])
        ),
        "settings_form": settings_form,
        "notice_form": notice_form,
        "current": [
            current_notice(workspace=request.workspace, language=lang, months=found.consent_months)
            for lang in ("de", "en")
        ],
        "versions": PrivacyNotice.objects.filter(workspace=request.workspace)[:50],
    }
    return TemplateResponse(request, "privacy/settings.html", context)


def _save_settings(request: WorkspaceRequest, form: PrivacySettingsForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.privacy_settings_save(
            workspace=request.workspace, user=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return False
    messages.success(request, _("Privacy settings saved."))
    return True


def _publish(request: WorkspaceRequest, form: NoticeForm) -> bool:
    if not form.is_valid():
        return False
    try:
        notice = services.privacy_notice_publish(
            workspace=request.workspace, user=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return False
    messages.success(request, _("Privacy notice version %(v)d published.") % {"v": notice.version})
    return True


urlpatterns = [path("settings/privacy/", privacy_settings, name="privacy_settings")]
