"""Memory helpers for bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still frees).

    Bulk work keeps every row it read and every value it made until its chunk ends: many
    objects that all survive, so the collector's passes walk them again and again while
    finding next to nothing. It runs as usual after the block (and stays off if it was).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
