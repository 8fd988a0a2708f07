"""Environment helpers: every setting comes from a KP_-prefixed variable."""

from __future__ import annotations

import os

PREFIX = "KP_"


def env_str(name: str, default: str = "") -> str:
    """Return KP_<name> as a string, or the default."""
    return os.environ.get(PREFIX + name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return KP_<name> as a boolean (1/true/yes/on)."""
    raw = os.environ.get(PREFIX + name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Return KP_<name> as an integer, or the default."""
    raw = os.environ.get(PREFIX + name)
    return int(raw) if raw else default


def env_list(name: str, default: list[str]) -> list[str]:
    """Return KP_<name> split on commas."""
    raw = os.environ.get(PREFIX + name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
