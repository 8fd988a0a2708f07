"""Messages: the template library, compose with live preview, the outbox, sender settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import person_get
from kontaktpflege.core.htmx import WorkspaceRequest, render_page
from kontaktpflege.followups.selectors import followup_get_for_person
from kontaktpflege.messaging import compose as composing
from kontaktpflege.messaging import selectors, services
from kontaktpflege.messaging.library import VARIABLES, VARIANTS
from kontaktpflege.messaging.models import MessageChannel, TemplateVariant
from kontaktpflege.messaging.transports.deeplink import deeplink
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.messages import (
    ComposeForm,
    NewTemplateForm,
    SenderSettingsForm,
    TemplateForm,
)
from kontaktpflege.web.params import int_param, safe_next

# ---------------------------------------------------------------- template library


@member_required
def message_templates(request: WorkspaceRequest) -> TemplateResponse:
    """The template library: shipped templates, customised ones and the workspace's own."""
    entries = selectors.template_library(workspace=request.workspace)
    variant = "en" if request.user.language == "en" else "de_sie"
    sources = selectors.template_sources(workspace=request.workspace, variant=variant)
    previews = {
        key: _template_preview(request, source.subject, source.body, variant)
        for key, source in sources.items()
    }
    context = {
        "career": [(e, previews.get(e.key)) for e in entries if e.audience == "career"],
        "recruiting": [(e, previews.get(e.key)) for e in entries if e.audience == "recruiting"],
        "custom": [(e, previews.get(e.key)) for e in entries if not e.is_shipped],
        "new_form": NewTemplateForm(),
    }
    return TemplateResponse(request, "messaging/templates.html", context)


def _variant(request: WorkspaceRequest) -> str:
    value = request.GET.get("variant") or request.POST.get("variant") or ""
    return value if value in VARIANTS else "de_sie"


def _template_preview(request: WorkspaceRequest, subject: str, body: str, variant: str) -> Any:
    return composing.sample_draft(
        workspace=request.workspace, user=request.user, subject=subject, body=body, variant=variant
    )


@member_required
def template_detail(request: WorkspaceRequest, key: str) -> HttpResponse:
    """One template: its three variants; editable once customised, with a preview."""
    variant = _variant(request)
    source = selectors.template_source(workspace=request.workspace, key=key, variant=variant)
    form = TemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"name": source.name, "subject": source.subject, "body": source.body},
    )
    subject, body = source.subject, source.body
    if request.method == "POST":
        if not request.membership.can_write:
            raise PermissionDenied
        if form.is_valid():
            subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
            if request.POST.get("action") == "save" and _save_template(request, form, key, variant):
                return redirect(f"{reverse('message_template', args=[key])}?variant={variant}")
    context = {
        "source": source,
        "form": form,
        "variant": variant,
        "variants": TemplateVariant.choices,
        "draft": _template_preview(request, subject, body, variant),
        "variables": VARIABLES,
    }
    return render_page(request, "messaging/template_detail.html", context, partial="preview")


def _save_template(request: WorkspaceRequest, form: TemplateForm, key: str, variant: str) -> bool:
    try:
        services.template_save(
            workspace=request.workspace,
            key=key,
            variant=variant,
            user=request.user,
            **form.cleaned_data,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return False
    messages.success(request, _("Template saved."))
    return True


@writer_required
@require_POST
def template_customise(request: WorkspaceRequest, key: str) -> HttpResponse:
    """Copy a shipped template into the workspace so it can be edited."""
    try:
        services.template_customise(workspace=request.workspace, key=key, user=request.user)
    except ValidationError as exc:
        raise Http404 from exc
    messages.success(request, _("You can now edit this template; “Reset” brings back ours."))
    return redirect(f"{reverse('message_template', args=[key])}?variant={_variant(request)}")


def _confirmed(request: WorkspaceRequest) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _confirm_page(
    request: WorkspaceRequest, *, title: str, text: str, button: str, cancel: str
) -> TemplateResponse:
    """Asks before a step that cannot be undone; its form posts back with confirm=yes."""
    context = {"title": title, "text": text, "button": button, "cancel": cancel}
    return TemplateResponse(request, "messaging/confirm.html", context)


@writer_required
def template_reset(request: WorkspaceRequest, key: str) -> HttpResponse:
    """Back to the shipped text (or delete a template of the workspace's own), once confirmed."""
    source = selectors.template_source(workspace=request.workspace, key=key, variant="de_sie")
    if not _confirmed(request):
        name = {"name": source.name}
        if source.is_shipped:
            title = _("Reset “%(name)s” to default?") % name
            text = _(
                "Your changes to all three variants are replaced by the text we ship. "
                "This cannot be undone."
            )
        else:
            title = _("Delete the template “%(name)s”?") % name
            text = _("All three variants are deleted. This cannot be undone.")
        button = _("Reset to default") if source.is_shipped else _("Delete template")
        cancel = reverse("message_template", args=[key])
        return _confirm_page(request, title=title, text=text, button=button, cancel=cancel)
    services.template_reset(workspace=request.workspace, key=key)
    messages.success(request, _("Template reset.") if source.is_shipped else _("Template deleted."))
    return redirect("message_templates")


@writer_required
@require_POST
def template_create(request: WorkspaceRequest) -> HttpResponse:
    """Start a template of the workspace's own."""
    form = NewTemplateForm(request.POST)
    if form.is_valid():
        try:
            services.template_create(
                workspace=request.workspace, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("message_template", key=form.cleaned_data["key"])
    else:
        messages.error(
            request, _("Give the template a name and a key of letters, digits and hyphens.")
        )
    return redirect("message_templates")


# ---------------------------------------------------------------- compose


def _template_choices(request: WorkspaceRequest) -> list[tuple[str, str]]:
    return [(e.key, e.name) for e in selectors.template_library(workspace=request.workspace)]


def _initial(request: WorkspaceRequest, person: Person) -> dict[str, Any]:
    g = request.GET
    keys = {k for k, _n in _template_choices(request)}
    return {
        "template": g.get("template") if g.get("template") in keys else "",
        "variant": g.get("variant")
        if g.get("variant") in VARIANTS
        else selectors.default_variant(person),
        "channel": g.get("channel")
        if g.get("channel") in MessageChannel.values
        else selectors.default_channel(person),
        "to_address": selectors.default_to_address(person),
        "followup": _followup_id(request, person, int_param(g.get("followup"))),
        "about": g.get("about", ""),
        "idempotency_key": services.new_idempotency_key(),
        "notes": "",
    }


def _about(request: WorkspaceRequest, person: Person, data: dict[str, Any]) -> str:
    """What the message is about: as asked ("application:12"), else the follow-up's subject."""
    about = data.get("about") or ""
    if about and composing.ABOUT_RE.match(about):
        return about
    if data.get("followup"):
        return followup_get_for_person(
            workspace=request.workspace, person=person, pk=data["followup"]
        ).subject
    return ""


def _followup_id(request: WorkspaceRequest, person: Person, pk: int | None) -> int | None:
    """The follow-up being answered: one of this workspace's, for this person, else 404."""
    if pk is None:
        return None
    return followup_get_for_person(workspace=request.workspace, person=person, pk=pk).pk


@writer_required
def compose(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Write to a person: template + notes, live preview, free editing, send or mark sent."""
    person = person_get(workspace=request.workspace, pk=pk)
    sender = selectors.sender_settings_for(workspace=request.workspace, user=request.user)
    choices = _template_choices(request)
    if request.method != "POST":
        data = _initial(request, person)
        data["about"] = _about(request, person, data)
        draft = _draft(request, person, sender, data)
        data.update(
            subject=draft.subject,
            body=draft.body,
            generated_subject=draft.subject,
            generated_body=draft.body,
        )
        form = ComposeForm(initial=data, templates=choices)
        return _compose_page(request, person, form, draft, data)
    form = ComposeForm(request.POST, templates=choices)
    if not form.is_valid():
        return _compose_page(request, person, form, None, form.data, status=400)
    data = form.cleaned_data
    data["followup"] = _followup_id(request, person, data.get("followup"))
    data["about"] = _about(request, person, data)
    draft = _draft(request, person, sender, data)
    action = request.POST.get("action", "preview")
    if action in ("send", "mark_sent"):
        response = _submit(request, person, form, action)
        if response is not None:
            return response
        return _compose_page(request, person, form, draft, data, status=400)
    final = composing.final_text(data, draft)
    return _refreshed(request, person, draft, final, data, choices)


def _draft(request: WorkspaceRequest, person: Person, sender: Any, data: dict[str, Any]) -> Any:
    return composing.draft_for(
        workspace=request.workspace,
        person=person,
        user=request.user,
        sender=sender,
        template_key=data.get("template") or "",
        variant=data.get("variant") or "de_sie",
        notes=data.get("notes") or "",
        about=data.get("about") or "",
    )


def _refreshed(
    request: WorkspaceRequest,
    person: Person,
    draft: Any,
    final: Any,
    data: dict[str, Any],
    choices: list[tuple[str, str]],
) -> HttpResponse:
    """The preview: a text that follows the template is replaced by the fresh rendering."""
    fresh = dict(data, subject=final.subject, body=final.body)
    if draft.ok:
        fresh.update(generated_subject=draft.subject, generated_body=draft.body)
    form = ComposeForm(initial=fresh, templates=choices)
    return _compose_page(request, person, form, draft, fresh)


def _submit(
    request: WorkspaceRequest, person: Person, form: ComposeForm, action: str
) -> HttpResponse | None:
    """Send or mark sent through the service; None (errors on the form) when refused."""
    data = form.cleaned_data
    try:
        services.message_compose_submit(
            workspace=request.workspace,
            person=person,
            user=request.user,
            channel=data["channel"],
            idempotency_key=data["idempotency_key"],
            send=action == "send",
            to_address=data["to_address"],
            template_key=data["template"],
            variant=data["variant"],
            notes=data["notes"],
            subject=data["subject"],
            body=data["body"],
            generated_subject=data["generated_subject"],
            generated_body=data["generated_body"],
            followup_id=data["followup"],
            about=data["about"],
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    if action == "send" and data["channel"] == MessageChannel.EMAIL:
        messages.success(request, _("Your email is on its way."))
    else:
        messages.success(request, _("Marked as sent and logged in the timeline."))
    return redirect("person", pk=person.pk)


def _compose_page(
    request: WorkspaceRequest,
    person: Person,
    form: ComposeForm,
    draft: Any,
    data: Any,
    status: int = 200,
) -> TemplateResponse:
    channel = data.get("channel") or "email"
    body = (data.get("body") or "") if hasattr(data, "get") else ""
    context = {
        "person": person,
        "form": form,
        "draft": draft,
        "channel": channel,
        "channel_label": dict(MessageChannel.choices).get(channel, channel),
        "link": deeplink(channel, person, subject=data.get("subject") or "", body=body),
        "emails": [e.email for e in person.emails.all()],
        "variables": VARIABLES,
        "live": request.POST.get("live") == "1",
        "ask_sender_name": not selectors.sender_settings_for(
            workspace=request.workspace, user=request.user
        ).from_name,
        "sender_name_guess": request.user.get_full_name(),
    }
    return render_page(request, "messaging/compose.html", context, partial="preview", status=status)


# ---------------------------------------------------------------- outbox and sender


@member_required
def outbox(request: WorkspaceRequest) -> TemplateResponse:
    """Sent, queued and failed messages of the workspace."""
    rows = selectors.outbox_list(workspace=request.workspace)[:200]
    return TemplateResponse(request, "messaging/outbox.html", {"rows": rows})


@writer_required
def outbox_retry(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Send a failed message again (by hand); an uncertain one only once confirmed."""
    message = selectors.message_get(workspace=request.workspace, pk=pk)
    if request.method != "POST" or (message.is_uncertain and not _confirmed(request)):
        return _retry_confirm_page(request, message)
    try:
        services.message_retry(message=message)
        messages.success(request, _("The message is queued again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("outbox")


def _retry_confirm_page(request: WorkspaceRequest, message: Any) -> TemplateResponse:
    to = {"to": message.to_address or message.person.full_name}
    if message.is_uncertain:
        text = _(
            "The mail server may already have accepted this message to %(to)s before sending "
            "stopped. Check with the recipient or your sent mail first: if it did arrive, "
            "it may arrive twice."
        )
        button = _("Send again anyway")
    else:
        text = _("The message to %(to)s is queued and sent again.")
        button = _("Retry")
    return _confirm_page(
        request,
        title=_("Send this message again?"),
        text=text % to,
        button=button,
        cancel=reverse("outbox"),
    )


@writer_required  # the settings write rule: viewers may look, not save
def sender_settings(request: WorkspaceRequest) -> HttpResponse:
    """Your sender: from name and address, reply-to, company, signature."""
    current = selectors.sender_settings_for(workspace=request.workspace, user=request.user)
    initial = {f: getattr(current, f) for f in SenderSettingsForm.base_fields}
    form = SenderSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sender_settings_save(
                workspace=request.workspace, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Sender settings saved."))
            return redirect("sender_settings")
    return TemplateResponse(request, "messaging/sender.html", {"form": form})


@writer_required
@require_POST
def sender_name(request: WorkspaceRequest) -> HttpResponse:
    """Set the sender's name from the compose page (asked once, on the first compose)."""
    current = selectors.sender_settings_for(workspace=request.workspace, user=request.user)
    values = {f: getattr(current, f) for f in SenderSettingsForm.base_fields}
    values["from_name"] = request.POST.get("from_name", "")
    try:
        if not values["from_name"].strip():
            raise ValidationError(_("Write the name your messages are signed with."))
        services.sender_settings_save(workspace=request.workspace, user=request.user, **values)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sender name saved."))
    return redirect(safe_next(request, reverse("sender_settings")))


urlpatterns = [
    path("templates/", message_templates, name="message_templates"),
    path("templates/new/", template_create, name="message_template_create"),
    path("templates/<slug:key>/", template_detail, name="message_template"),
    path("templates/<slug:key>/customise/", template_customise, name="message_template_customise"),
    path("templates/<slug:key>/reset/", template_reset, name="message_template_reset"),
    path("people/<int:pk>/compose/", compose, name="compose"),
    path("messages/", outbox, name="outbox"),
    path("messages/<int:pk>/retry/", outbox_retry, name="outbox_retry"),
    path("messages/sender/", sender_settings, name="sender_settings"),
    path("messages/sender/name/", sender_name, name="sender_name"),
]
