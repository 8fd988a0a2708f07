"""The German catalogues are complete and the English source needs none."""

import importlib.util
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]


def _i18n():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_user_visible_string_has_a_german_translation():
    missing = _i18n().missing()
    assert missing == [], f"{len(missing)} strings lack German: {missing[:20]}"


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]|\{\{\s*(\w+)\s*\}\}")
    for po_path in _i18n().catalogues():
        for entry in polib.pofile(str(po_path)):
            if entry.msgstr:
                assert set(placeholder.findall(entry.msgid)) == set(
                    placeholder.findall(entry.msgstr)
                ), (po_path.name, entry.msgid)


@pytest.mark.parametrize(("language", "expected"), [("de", "Personen"), ("en", "People")])
def test_the_compiled_catalogue_is_active(language, expected):
    with translation.override(language):
        assert translation.gettext("People") == expected
