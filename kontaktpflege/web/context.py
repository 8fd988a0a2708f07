"""Template context shared by every page."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kontaktpflege.core.selectors import worker_health
from kontaktpflege.recruiting.selectors import recruiting_enabled


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The active workspace and membership for the layout, and the worker's health."""
    membership = getattr(request, "membership", None)
    workspace = getattr(request, "workspace", None)
    return {
        "workspace": workspace,
        # The one switch for recruiting links (the row the recruiting pages check), read
        # once and only by a page that shows such a link.
        "recruiting_on": functools.cache(functools.partial(recruiting_enabled, workspace))
        if workspace is not None
        else False,
        "membership": membership,
        "allow_signup": settings.ALLOW_SIGNUP,
        # Called (once) only by the page shell's banner, only for members: partials and
        # anonymous pages never query it.
        "worker_health": functools.cache(worker_health) if membership else None,
    }
