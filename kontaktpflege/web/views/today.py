"""Today: the agenda with done / snooze / skip, Reactivate, follow-up settings, calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from kontaktpflege.accounts.models import is_recruiting_team
from kontaktpflege.applications.activation import activation_candidates, open_activation_for
from kontaktpflege.contacts.models import Channel
from kontaktpflege.contacts.selectors import circle_counts, person_get
from kontaktpflege.contacts.services import people_bulk_update
from kontaktpflege.core.htmx import WorkspaceRequest, render_page
from kontaktpflege.followups import calendar, engine, notifications, selectors, services
from kontaktpflege.messaging.library import TEMPLATE_FOR_RULE
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.today import (
    FollowUpActionForm,
    NotificationSettingsForm,
    OccasionForm,
    RuleDefaultsForm,
)
from kontaktpflege.web.params import safe_next


@member_required
def today(request: WorkspaceRequest) -> TemplateResponse:
    """Whom to contact: overdue, today, this week — each with its reason."""
    day = services.workspace_today(request.workspace)
    rules, _days = services.workspace_rules(request.workspace)
    core, unsorted = circle_counts(workspace=request.workspace)
    show_all = selectors.SHOW_ALL if request.GET.get("all") else 0
    plan = selectors.agenda(
        workspace=request.workspace,
        today=day,
        language=request.user.language,
        per_group=show_all or selectors.PER_GROUP,
        total=None if show_all else selectors.PAGE_ITEMS,
    )
    context = {
        "plan": plan,
        "summary": _summary(plan.totals),
        "show_all": show_all,
        # Rules with a message template get "Write" as their one primary action, others "Log".
        "write_rules": frozenset(TEMPLATE_FOR_RULE),
        "core_count": core,
        # One item for every unsorted import, never one per person (design.md).
        "triage_count": unsorted,
        "recompute": selectors.recompute_running(workspace=request.workspace),
        "core_warning": engine.core_circle_warning(core, rules),
        "core_limit": rules["core_size"].threshold,
        "people_url": reverse("people"),
        "next_url": request.get_full_path(),
        "act_url": reverse("followup_detail", args=[0]).removesuffix("0/"),
        "t": _item_labels(),
    }
    return render_page(request, "followups/today.html", context, partial="agenda")


def _summary(totals: dict[str, int]) -> str:
    """ "5 overdue · 3 today · 12 this week" from the exact totals; empty groups left out."""
    texts = {"overdue": _("%(n)s overdue"), "today": _("%(n)s today"), "week": _("%(n)s this week")}
    return " · ".join(texts[group] % {"n": n} for group, n in totals.items() if n)


def _item_labels() -> dict[str, str]:
    """Labels every agenda item repeats, translated once per request instead of per item."""
    return {
        "target": _("Target company"),
        "snoozed_until": _("snoozed until"),
        "write": _("Write"),
        "log": pgettext("verb", "Log"),
        "details": _("Details"),
        "what": _("What did you do? (optional)"),
        "done": _("Done"),
        "tomorrow": _("Snooze until tomorrow"),
        "next_week": _("Snooze for a week"),
        "skip": _("Skip"),
        "more": _("More…"),
    }


def _return_circle(followup: Any) -> str:
    """Preselected on a reactivation: the circle chosen in an activation under way."""
    if followup.rule != "reactivation":
        return "network"
    return getattr(open_activation_for(person=followup.person), "circle", "network")


@member_required
def followup_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """One item with every action: done on a channel, snooze to a date, skip with a reason."""
    followup = selectors.followup_get(workspace=request.workspace, pk=pk)
    day = services.workspace_today(request.workspace)
    context = {
        "item": selectors.agenda_item(followup, today=day, language=request.user.language),
        "return_circles": FollowUpActionForm.base_fields["circle"].choices,  # type: ignore[attr-defined]
        "return_circle": _return_circle(followup),
        "channels": [(value, str(label)) for value, label in Channel.choices],
        "suggested_channel": services.done_channel(followup=followup),
        "snooze_min": (day + dt.timedelta(days=1)).isoformat(),
    }
    return TemplateResponse(request, "followups/detail.html", context)


def _snooze_date(choice: str, custom: dt.date | None, day: dt.date) -> dt.date | None:
    presets = {"tomorrow": 1, "next_week": 7, "next_month": 30}
    if choice in presets:
        return day + dt.timedelta(days=presets[choice])
    return custom


def _act(request: WorkspaceRequest, followup: Any, form: FollowUpActionForm) -> str:
    """Run the pressed action; returns the message for the user."""
    data, post = form.cleaned_data, request.POST
    if "done" in post:
        touchpoint = services.followup_complete(
            followup=followup,
            user=request.user,
            channel=data.get("channel") or "",
            summary=data.get("summary") or "",
        )
        if followup.rule == "reactivation" and data.get("circle"):
            # The log moved them to "network"; the user asked for another circle.
            people_bulk_update(
                workspace=request.workspace, person_ids=[followup.person_id], circle=data["circle"]
            )
        return _("Done: logged a touchpoint with %(name)s (%(channel)s).") % {
            "name": followup.person.full_name,
            "channel": touchpoint.get_channel_display(),
        }
    if "snooze" in post:
        day = services.workspace_today(request.workspace)
        until = _snooze_date(post["snooze"], data.get("snooze_until"), day)
        if until is None:
            raise ValidationError({"snooze_until": _("Choose a date.")})
        services.followup_snooze(followup=followup, until=until, today=day)
        return _("Snoozed until %(date)s.") % {
            "date": formats.date_format(until, "SHORT_DATE_FORMAT")
        }
    if "skip" in post:
        services.followup_skip(followup=followup, reason=data.get("reason") or "")
        return _("Skipped.")
    raise ValidationError(_("Choose done, snooze or skip."))


@writer_required
@require_POST
def followup_act(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Done, snooze or skip one item; htmx swaps the item in place, otherwise redirect."""
    followup = selectors.followup_get(workspace=request.workspace, pk=pk)
    form = FollowUpActionForm(request.POST)
    error = ""
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(str(e) for errs in form.errors.values() for e in errs))
        note = _act(request, followup, form)
    except ValidationError as exc:
        error, note = " ".join(exc.messages), ""
    if request.htmx:
        context = {"followup": followup, "note": note, "error": error}
        name = "followups/_item_error.html" if error else "followups/_item_closed.html"
        return TemplateResponse(request, name, context, status=200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, note)
    return redirect(safe_next(request, reverse("today")))


@member_required
def reactivate(request: WorkspaceRequest) -> TemplateResponse:
    """Dormant contacts by how useful and how easy to reach: step 1 of activating (seed 004)."""
    contacts = activation_candidates(
        workspace=request.workspace, user=request.user, now=timezone.now()
    )
    return TemplateResponse(request, "followups/reactivate.html", {"contacts": contacts})


def _settings_context(request: WorkspaceRequest, row: Any, **forms: Any) -> dict[str, Any]:
    rules, days = services.workspace_rules(request.workspace)
    forms.setdefault(
        "form",
        NotificationSettingsForm(
            initial={
                f: getattr(row, f)
                for f in NotificationSettingsForm.base_fields
                if f != "apprise_urls"
            }
            | {"apprise_urls": row.apprise_urls}
        ),
    )
    forms.setdefault(
        "rules_form",
        RuleDefaultsForm(
            initial=RuleDefaultsForm.initial_for(rules, days),
            recruiting=is_recruiting_team(request.workspace),
        ),
    )
    feed = request.build_absolute_uri(reverse("calendar_feed", args=[row.ics_token]))
    recompute = selectors.recompute_running(workspace=request.workspace)
    return {"row": row, "feed_url": feed, "recompute": recompute, **forms}


@writer_required  # viewers read their settings; every settings write is a 403 for them
def followup_settings(request: WorkspaceRequest) -> HttpResponse:
    """Digest, notification URLs, the calendar feed and (owners) the rule defaults."""
    row = selectors.notification_settings_for(user=request.user, workspace=request.workspace)
    if request.method != "POST":
        return TemplateResponse(request, "followups/settings.html", _settings_context(request, row))
    action = request.POST.get("action", "")
    if action == "rotate":
        if request.POST.get("confirm") != "1":  # ask first: the old address stops working
            return TemplateResponse(request, "followups/rotate_confirm.html", {"row": row})
        notifications.ics_token_rotate(row=row)
        messages.success(request, _("New calendar address created; the old one stopped working."))
        return redirect("followup_settings")
    if action == "rules":
        return _save_rules(request, row)
    form = NotificationSettingsForm(request.POST)
    if form.is_valid():
        try:
            notifications.notification_settings_update(row=row, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("followup_settings")
    row.refresh_from_db()
    context = _settings_context(request, row, form=form)
    return TemplateResponse(request, "followups/settings.html", context, status=400)


def _save_rules(request: WorkspaceRequest, row: Any) -> HttpResponse:
    if request.membership.role != "owner":
        raise Http404
    form = RuleDefaultsForm(request.POST, recruiting=is_recruiting_team(request.workspace))
    if form.is_valid():
        try:
            services.followup_rules_update(
                workspace=request.workspace, circle_days=form.circle_days(), rules=form.rules()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("Saved. Follow-ups are being recomputed in the background.")
            )
            return redirect("followup_settings")
    context = _settings_context(request, row, rules_form=form)
    return TemplateResponse(request, "followups/settings.html", context, status=400)


@writer_required
@require_POST
def occasion_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Record an occasion (promotion, media appearance …) from the person page."""
    person = person_get(workspace=request.workspace, pk=pk)
    form = OccasionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the occasion's fields."))
    else:
        try:
            services.occasion_record(person=person, **form.cleaned_data)
            messages.success(request, _("Occasion saved."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("person", pk=person.pk)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private ICS feed (secret token in the URL, no login)."""
    row = selectors.settings_by_token(token=token)
    body = calendar.feed(row=row, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("", today, name="today"),
    path("followups/<int:pk>/", followup_detail, name="followup_detail"),
    path("followups/<int:pk>/act/", followup_act, name="followup_act"),
    path("reactivate/", reactivate, name="reactivate"),
    path("settings/followups/", followup_settings, name="followup_settings"),
    path("people/<int:pk>/occasions/", occasion_add, name="occasion_add"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
