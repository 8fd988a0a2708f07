"""Throttles for log-in, sign-up, password reset and API token failures (django-ratelimit).

Each scope has a limit per client IP and, where an account or address is named, one per
account. Counts live in fixed windows in the cache named by RATELIMIT_USE_CACHE: the
default local-memory cache counts per process, so a deployment with several web processes
sets KP_CACHE_URL to a Redis server (atomic increments shared by every process).

Log-in and API token limits count failures only: once a limit is reached every attempt is
refused, the right password too, until the window ends. Sign-up and password reset count
every submission, since each one may send a mail.
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

# scope -> (setting of the per-IP rate, setting of the per-account rate or "")
SCOPES = {
    "login": ("THROTTLE_LOGIN_IP", "THROTTLE_LOGIN_ACCOUNT"),
    "signup": ("THROTTLE_SIGNUP_IP", "THROTTLE_SIGNUP_EMAIL"),
    "password_reset": ("THROTTLE_RESET_IP", "THROTTLE_RESET_EMAIL"),
    "api_token": ("THROTTLE_API_TOKEN_IP", ""),
    "pool_signup": ("THROTTLE_POOL_SIGNUP_IP", "THROTTLE_POOL_SIGNUP_EMAIL"),
}


def client_ip(request: HttpRequest) -> str:
    """The client's address: KP_CLIENT_IP_HEADER behind a proxy, else the peer address."""
    header = settings.CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    # A proxy appends to X-Forwarded-For; the last entry is the one it saw.
    for ip in (forwarded.split(",")[-1].strip(), request.META.get("REMOTE_ADDR") or ""):
        try:
            return str(ipaddress.ip_address(ip))
        except ValueError:
            continue
    return "0.0.0.0"


def _usages(request: HttpRequest, scope: str, account: str, increment: bool) -> list[dict]:
    ip_setting, account_setting = SCOPES[scope]
    checks: list[tuple[str, object]] = [(ip_setting, "ip")]
    if account_setting and account:
        name = account.strip().lower()
        checks.append((account_setting, lambda _group, _request: name))
    usages = []
    for setting, key in checks:
        usage = get_usage(
            request,
            group=f"kp.{scope}.{'ip' if key == 'ip' else 'account'}",
            key=key,
            rate=getattr(settings, setting),
            increment=increment,
        )
        if usage is not None:
            usages.append(usage)
    return usages


def blocked(request: HttpRequest, scope: str, account: str = "") -> int:
    """Seconds until this client (or account) may try again; 0 when it may now. Counts nothing."""
    waits = [
        max(u["time_left"], 1)
        for u in _usages(request, scope, account, increment=False)
        if u["count"] >= u["limit"]
    ]
    return max(waits, default=0)


def record(request: HttpRequest, scope: str, account: str = "") -> None:
    """Count one failure (log-in, API token) or one submission (sign-up, reset)."""
    _usages(request, scope, account, increment=True)


def message(seconds: int) -> str:
    """The refusal shown to a throttled client, with the wait in minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. For your protection, please try again in %(minutes)d minute.",
        "Too many attempts. For your protection, please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
