"""The page shell's navigation, rendered once per process for each way it can look.

Every page showed the same bar: ~15 reversed URLs, ~20 translations and the static file
links, rendered anew on each request (about a millisecond of CPU). What the bar shows
depends only on the script prefix (the URLs, the static files), the language, whether
someone is logged in, the workspace's two switches (job-seeker areas, recruiting) and
whether the request has a CSRF token: those make the key. The values that differ per
request (CSRF token, the page's own path, the user's name, a one-time form token) are
placeholders in the kept HTML, filled in on every response, escaped as the template would.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

TEMPLATE = "_components/nav.html"
CSRF = "kpnavcsrf00000000000000000000000000000000000000000000000000000000"
NEXT = "kpnavnext00000000000000000000000"
NAME = "kpnavname00000000000000000000000"
FORM_TOKEN = "kpnavformtoken00000000000000000"
_PLACEHOLDER = re.compile(f"{CSRF}|{NEXT}|{NAME}|{FORM_TOKEN}")
_MAX_KEPT = 64  # a handful of keys in practice; a bound in case of many script prefixes

_kept: dict[tuple[Any, ...], str] = {}


@receiver(setting_changed)
def _forget(**_kwargs: Any) -> None:
    """A changed setting (static files, URLs, templates in tests) may change the bar."""
    _kept.clear()


def _job_seeker_areas(workspace: Any) -> bool:
    """`workspace.settings.job_seeker_areas is not False`, as the template read it."""
    options = getattr(workspace, "settings", None)
    return not (isinstance(options, dict) and options.get("job_seeker_areas") is False)


def render_nav(context: Context) -> SafeString:
    """The navigation bar for the request in `context` (a RequestContext of base.html)."""
    request = context["request"]
    user: Any = context.get("user")
    authenticated = bool(user is not None and user.is_authenticated)
    token = context.get("csrf_token")
    has_token = bool(token) and str(token) != "NOTPROVIDED"
    recruiting_on = context.get("recruiting_on", False) if authenticated else False
    if callable(recruiting_on):
        recruiting_on = recruiting_on()  # the shared, cached switch of web/context.py
    key = (
        get_script_prefix(),
        translation.get_language(),
        authenticated,
        authenticated and _job_seeker_areas(context.get("workspace")),
        bool(recruiting_on),
        has_token,
    )
    html = _kept.get(key)
    if html is None or settings.DEBUG:  # DEBUG: template edits show without a restart
        html = _render(*key[2:])
        if len(_kept) >= _MAX_KEPT:
            _kept.clear()
        _kept[key] = html
    values = {
        CSRF: str(token) if has_token else "",
        NEXT: conditional_escape(request.get_full_path()),
        NAME: conditional_escape(user.get_short_name() or user.get_username())
        if authenticated
        else "",
        FORM_TOKEN: uuid.uuid4().hex,
    }
    # One pass: a value that happens to contain a placeholder is not filled in again.
    return mark_safe(_PLACEHOLDER.sub(lambda m: values[m.group()], html))


def _render(
    authenticated: bool, job_seeker_areas: bool, recruiting_on: bool, has_token: bool
) -> str:
    context = {
        "authenticated": authenticated,
        "job_seeker_areas": job_seeker_areas,
        "recruiting_on": recruiting_on,
        "csrf_token": CSRF if has_token else None,
        "next_path": NEXT,
        "account_name": NAME,
        "form_token_placeholder": FORM_TOKEN,
    }
    return render_to_string(TEMPLATE, context).removesuffix("\n")
