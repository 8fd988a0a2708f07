"""Fixtures of the import/export tests: the fixture files and a helper to import them."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English; a German request must not leak into them."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def import_file(workspace, alice):
    """Import a fixture file (or bytes) into alice's workspace."""
    from kontaktpflege.dataio.services import import_data

    def run(name_or_bytes, **kwargs):
        data = fixture_bytes(name_or_bytes) if isinstance(name_or_bytes, str) else name_or_bytes
        filename = name_or_bytes if isinstance(name_or_bytes, str) else kwargs.pop("filename", "x")
        return import_data(workspace=workspace, data=data, filename=filename, user=alice, **kwargs)

    return run
