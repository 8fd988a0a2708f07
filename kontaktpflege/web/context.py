"""Template context shared by every page."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kontaktpflege.core.selectors import worker_health


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The active workspace and membership for the layout, and the worker's health."""
    membership = getattr(request, "membership", None)
    return {
        "workspace": getattr(request, "workspace", None),
        "membership": membership,
        "allow_signup": settings.ALLOW_SIGNUP,
        # Called (once) only by the page shell's banner, only for members: partials and
        # anonymous pages never query it.
        "worker_health": functools.cache(worker_health) if membership else None,
    }
