"""Writes about notifications: settings, the calendar token, the daily digest (at most once)."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Membership, User, Workspace
from kontaktpflege.core.net import is_public_address, public_connections_only
from kontaktpflege.core.timeutils import user_zone
from kontaktpflege.followups.models import DigestLog, NotificationSettings, RollLog, new_ics_token
from kontaktpflege.followups.services import workspace_today

log = logging.getLogger(__name__)

ALLOWED_SCHEMES = {
    "ntfy",
    "ntfys",
    "tgram",
    "slack",
    "matrix",
    "matrixs",
    "json",
    "jsons",
    "form",
    "forms",
    "mailto",
    "mailtos",
    "discord",
    "gotify",
    "gotifys",
    "mmost",
    "mmosts",
    "rocket",
    "rockets",
    "signal",
    "signals",
}
# Services that always talk to their own public host; every other scheme lets the user
# choose the host (webhooks, self-hosted ntfy/gotify/matrix/…, an SMTP server).
FIXED_HOST_SCHEMES = {"tgram", "slack", "discord"}
MAX_URLS = 5
DIGEST_ITEMS = 20


def _contacted_host(scheme: str, plugin: Any) -> str:
    """The host a notification URL makes the server connect to ("" for fixed services)."""
    if scheme in FIXED_HOST_SCHEMES:
        return ""
    if scheme in ("ntfy", "ntfys") and getattr(plugin, "mode", "") == "cloud":
        return ""  # ntfy://topic goes to ntfy.sh
    if scheme in ("matrix", "matrixs") and getattr(plugin, "mode", "") == "t2bot":
        return ""
    if scheme in ("mailto", "mailtos"):
        return str(getattr(plugin, "smtp_host", "") or getattr(plugin, "host", "") or "")
    return str(getattr(plugin, "host", "") or "")


def _private_address(host: str) -> str | None:
    """The first loopback/private/link-local/reserved address `host` resolves to, or None.

    IPv4 addresses inside IPv6 ones (::ffff:, NAT64 64:ff9b::/96, 6to4 2002::/16) count as
    the IPv4 address. A name that does not resolve reaches nothing. This check gives a
    clear message early; the connection itself is checked again as it is made (_notify).
    """
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None)
    except (OSError, UnicodeError, ValueError):
        return None
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            return address.split("%")[0]
    return None


def url_private_host(url: str) -> tuple[str, str] | None:
    """(host, address) when a notification URL would reach a non-public address, else None."""
    import apprise

    if getattr(settings, "NOTIFY_ALLOW_PRIVATE_HOSTS", False):
        return None
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return None
    host = _contacted_host(urlsplit(url).scheme.lower(), plugin)
    address = _private_address(host) if host else None
    return (host, address) if address else None


def apprise_urls_validate(raw: str) -> list[str]:
    """Clean notification URLs (one a line); a malformed or disallowed one is an error."""
    import apprise

    urls = [line.strip() for line in (raw or "").splitlines() if line.strip()]
    if len(urls) > MAX_URLS:
        raise ValidationError({"apprise_urls": _("At most 5 notification URLs.")})
    for url in urls:
        scheme = urlsplit(url).scheme.lower() if "://" in url or url.startswith("mailto") else ""
        if not scheme:
            raise ValidationError(
                {"apprise_urls": _("“%(url)s” is not a URL.") % {"url": url[:80]}}
            )
        if scheme not in ALLOWED_SCHEMES:
            raise ValidationError(
                {
                    "apprise_urls": _("“%(scheme)s” is not an allowed service (allowed: %(list)s).")
                    % {"scheme": scheme, "list": ", ".join(sorted(ALLOWED_SCHEMES))}
                }
            )
        if len(url) > 500 or apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
            raise ValidationError(
                {"apprise_urls": _("“%(url)s” is malformed.") % {"url": url[:80]}}
            )
        _refuse_private(url)
    return urls


def _refuse_private(url: str) -> None:
    private = url_private_host(url)
    if private:
        raise ValidationError(
            {
                "apprise_urls": _(
                    "“%(host)s” points to a private or local address (%(address)s); "
                    "notifications may only go to public hosts."
                )
                % {"host": private[0][:80], "address": private[1]}
            }
        )


@transaction.atomic
def notification_settings_update(
    *,
    row: NotificationSettings,
    digest_enabled: bool,
    digest_time: dt.time,
    email_enabled: bool,
    apprise_urls: str,
    networking_weekday: int,
    networking_time: dt.time,
    networking_minutes: int,
) -> NotificationSettings:
    """Change a user's digest and calendar settings; validated before anything is saved."""
    urls = apprise_urls_validate(apprise_urls)
    if not 0 <= networking_weekday <= 6:
        raise ValidationError({"networking_weekday": _("Choose a weekday.")})
    if not 15 <= networking_minutes <= 480:
        raise ValidationError({"networking_minutes": _("Choose 15 to 480 minutes.")})
    row.digest_enabled, row.digest_time, row.email_enabled = (
        digest_enabled,
        digest_time,
        email_enabled,
    )
    row.apprise_urls = "\n".join(urls)
    row.networking_weekday, row.networking_time = networking_weekday, networking_time
    row.networking_minutes = networking_minutes
    row.save()
    return row


@transaction.atomic
def ics_token_rotate(*, row: NotificationSettings) -> NotificationSettings:
    """Replace the calendar-feed token; the old URL stops working at once."""
    row.ics_token = new_ics_token()
    row.save(update_fields=["ics_token", "updated_at"])
    return row


# --- digest ------------------------------------------------------------------------------


def digests_due(*, now: dt.datetime) -> list[tuple[int, int, dt.date]]:
    """(user, workspace, local date) of digests due now and not yet sent that day."""
    due = []
    member = Membership.objects.filter(user=OuterRef("user"), workspace=OuterRef("workspace"))
    rows = NotificationSettings.objects.filter(
        Exists(member), digest_enabled=True, user__is_active=True
    )
    for row in rows.select_related("user"):
        local = now.astimezone(user_zone(row.user))
        if local.time() < row.digest_time:
            continue
        sent = DigestLog.objects.filter(
            user_id=row.user_id, workspace_id=row.workspace_id, local_date=local.date()
        ).exists()
        if not sent:
            due.append((row.user_id, row.workspace_id, local.date()))
    return due


ROLL_RETRY_AFTER = dt.timedelta(minutes=15)


def roll_claim(*, workspace: Workspace, day: dt.date, now: dt.datetime | None = None) -> bool:
    """Claim the daily roll of a workspace; False when it ran that day or is running.

    A claim that has not finished after ROLL_RETRY_AFTER (the roll failed, or its worker
    died) is taken over by one conditional UPDATE, so exactly one dispatcher retries it.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            RollLog.objects.create(workspace=workspace, day=day)
    except IntegrityError:
        stale = RollLog.objects.filter(
            workspace=workspace,
            day=day,
            finished_at__isnull=True,
            updated_at__lt=now - ROLL_RETRY_AFTER,
        )
        return bool(stale.update(updated_at=now))
    return True


def roll_last_finished(*, workspace_id: int, before: dt.date) -> dt.date | None:
    """The last day before `before` whose roll finished, if any."""
    return (
        RollLog.objects.filter(workspace_id=workspace_id, day__lt=before, finished_at__isnull=False)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def roll_finish(*, workspace_id: int, day: dt.date) -> None:
    """Mark the day's roll as done (after it succeeded)."""
    RollLog.objects.filter(workspace_id=workspace_id, day=day).update(finished_at=timezone.now())


def _claim(user: User, workspace: Workspace, day: dt.date) -> DigestLog | None:
    """Insert the day's log row; the unique constraint lets exactly one sender through."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                return DigestLog.objects.create(user=user, workspace=workspace, local_date=day)
        except IntegrityError:
            return None
        except OperationalError:  # SQLite lock contention between workers: try again
            time.sleep(0.05 * (attempt + 1))
    raise OperationalError("could not claim the digest")


def digest_send(*, user: User, workspace: Workspace, day: dt.date) -> str:
    """Send the day's digest once: claim the log row, then email and apprise URLs.

    The claim commits before anything is sent, so two workers never both send; a crash
    after the claim loses that day's digest rather than sending it twice.
    """
    from kontaktpflege.followups.selectors import agenda, notification_settings_for

    if not user.is_active or not user.memberships.filter(workspace=workspace).exists():
        return "not a member"  # removed or deactivated after the digest was enqueued
    entry = _claim(user, workspace, day)
    if entry is None:
        return "already sent"
    prefs = notification_settings_for(user=user, workspace=workspace)
    with translation.override(user.language):
        # `day` is the reader's date (one digest per local day); items use the workspace's.
        plan = agenda(workspace=workspace, today=workspace_today(workspace), language=user.language)
        items = (plan.groups["overdue"] + plan.groups["today"])[:DIGEST_ITEMS]
        context = {
            "user": user,
            "plan": plan,
            "items": items,
            "day": day,
            "site": settings.SITE_URL,
        }
        subject = render_to_string("emails/followups/digest_subject.txt", context).strip()
        text = render_to_string("emails/followups/digest.txt", context)
        html = render_to_string("emails/followups/digest.html", context)
    problems = _deliver(prefs, user, subject, text, html) if items else []
    entry.status = "failed" if problems else ("sent" if items else "empty")
    entry.item_count, entry.detail = len(items), "\n".join(problems)
    entry.save(update_fields=["status", "item_count", "detail", "updated_at"])
    return entry.status


def _deliver(
    prefs: NotificationSettings, user: User, subject: str, text: str, html: str
) -> list[str]:
    problems = []
    if prefs.email_enabled and user.email:
        try:
            mail = EmailMultiAlternatives(subject, text, to=[user.email])
            mail.attach_alternative(html, "text/html")
            mail.send()
        except Exception as exc:  # a mail server problem must not lose the log entry
            log.warning("digest email to user %s failed: %s", user.pk, exc)
            problems.append(f"email: {exc}")
    for url in prefs.apprise_url_list:
        scheme = urlsplit(url).scheme
        # Saved earlier, or the name now resolves inside: refused before or while connecting.
        outcome = "private" if url_private_host(url) else _notify(url, subject, text)
        if outcome == "private":
            log.warning("digest of user %s: refused a private notification host", user.pk)
            problems.append(f"apprise: {scheme}: private host refused")
        elif outcome != "sent":
            problems.append(f"apprise: {scheme}")
    return problems


def _notify(url: str, title: str, body: str) -> str:
    """Send one notification: "sent", "failed" or "private" (a non-public address refused).

    Redirects are never followed (not even with ?redirect=yes in the URL), and unless the
    operator allows private hosts every connection is checked as it is made, so a name
    that resolves elsewhere the second time (DNS rebinding) reaches no private address.
    """
    import apprise

    asset = apprise.AppriseAsset(http_redirects=False, async_mode=False)
    plugin = apprise.Apprise.instantiate(url, asset=asset, suppress_exceptions=True)
    if plugin is None:
        return "failed"
    plugin.redirects = False
    sender = apprise.Apprise(asset=asset)
    sender.add(plugin)
    if getattr(settings, "NOTIFY_ALLOW_PRIVATE_HOSTS", False):
        return "sent" if sender.notify(title=title, body=body) else "failed"
    with public_connections_only() as refused:
        sent = bool(sender.notify(title=title, body=body))
    if refused:
        return "private"
    return "sent" if sent else "failed"


def local_now(user: User) -> dt.datetime:
    """Now in the user's zone."""
    return timezone.now().astimezone(user_zone(user))
