"""Translation catalogues without system gettext: extract, report missing, compile.

Source strings are English; German lives in several catalogues so that areas can be
worked on independently: locale/ (foundation) and kontaktpflege/<app>/locale/ (one per
domain app). Django merges them at run time.

  python scripts/i18n.py missing                 # list msgids without a German translation
  python scripts/i18n.py add PO PATH [PATH ...]  # append untranslated msgids used under PATHs to PO
  python scripts/i18n.py compile                 # write .mo files next to every .po
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import polib
from babel.messages.extract import extract_python

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "kontaktpflege", ROOT / "templates", ROOT / "config"]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
SKIP = ("/migrations/", "/tests/", "/static/", "/bench/")


def catalogues() -> list[Path]:
    """Every German catalogue of the project."""
    found = [ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"]
    found += sorted((ROOT / "kontaktpflege").glob("*/locale/de/LC_MESSAGES/django.po"))
    return [p for p in found if p.exists()]


def _files(paths: list[Path]) -> Iterator[Path]:
    for base in paths:
        candidates = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in candidates:
            if path.suffix in (".py", ".html", ".txt") and not any(s in str(path) for s in SKIP):
                yield path


def _extract_file(path: Path) -> Iterator[tuple[str, str | None, str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        if "translate" not in text and "trans " not in text and "blocktrans" not in text:
            return
        from django.utils.translation.template import templatize

        text = templatize(text, origin=str(path))
        # Templatized text is Python only in name: indentation there means nothing, and
        # a multi-line HTML tag would otherwise read as a broken indented block.
        text = "\n".join(line.lstrip() for line in text.splitlines())
    for _lineno, func, message, _comments in extract_python(
        io.BytesIO(text.encode()), list(KEYWORDS), [], {}
    ):
        if isinstance(message, tuple):
            if func.startswith(("pgettext", "npgettext")):
                yield message[1], (message[2] if len(message) > 2 else None), message[0]
            else:
                yield message[0], message[1], ""
        elif message:
            yield message, None, ""


def extract(paths: list[Path]) -> dict[tuple[str, str], tuple[str | None, str]]:
    """msgid (and context) -> (plural, first source file) for every string under paths."""
    found: dict[tuple[str, str], tuple[str | None, str]] = {}
    for path in _files(paths):
        for msgid, plural, ctx in _extract_file(path):
            if msgid and (msgid, ctx) not in found:
                found[(msgid, ctx)] = (plural, str(path.relative_to(ROOT)))
    return found


def translated() -> set[tuple[str, str]]:
    """(msgid, context) pairs with a German translation in any catalogue."""
    done: set[tuple[str, str]] = set()
    for po_path in catalogues():
        for entry in polib.pofile(str(po_path)):
            ok = entry.msgstr or (entry.msgstr_plural and all(entry.msgstr_plural.values()))
            if ok and not entry.obsolete and "fuzzy" not in entry.flags:
                done.add((entry.msgid, entry.msgctxt or ""))
    return done


def missing(paths: list[Path] | None = None) -> list[tuple[str, str, str]]:
    """(msgid, context, source) of strings without a German translation."""
    have = translated()
    return [
        (msgid, ctx, src)
        for (msgid, ctx), (_plural, src) in sorted(extract(paths or SOURCES).items())
        if (msgid, ctx) not in have
    ]


def add(po_path: Path, paths: list[Path]) -> int:
    """Append untranslated strings used under paths to one catalogue (empty msgstr)."""
    po_path.parent.mkdir(parents=True, exist_ok=True)
    po = polib.pofile(str(po_path)) if po_path.exists() else _new_po()
    present = {(e.msgid, e.msgctxt or "") for e in po}
    have = translated()
    added = 0
    for (msgid, ctx), (plural, src) in sorted(extract(paths).items()):
        if (msgid, ctx) in present or (msgid, ctx) in have:
            continue
        entry = polib.POEntry(msgid=msgid, msgstr="", occurrences=[(src, "")])
        if ctx:
            entry.msgctxt = ctx
        if plural:
            entry.msgid_plural = plural
            entry.msgstr_plural = {0: "", 1: ""}
        po.append(entry)
        added += 1
    po.save(str(po_path))
    return added


def _new_po() -> polib.POFile:
    po = polib.POFile()
    po.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Language": "de",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    return po


def compile_all() -> int:
    """Compile every .po into its .mo."""
    count = 0
    for po_path in sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po")) + sorted(
        (ROOT / "kontaktpflege").glob("*/locale/*/LC_MESSAGES/django.po")
    ):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    return count


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command = argv[1] if len(argv) > 1 else "missing"
    if command == "compile":
        print(f"compiled {compile_all()} catalogues")
        return 0
    if command == "add":
        n = add(ROOT / argv[2], [ROOT / p for p in argv[3:]] or SOURCES)
        print(f"added {n} strings to {argv[2]}; fill in their msgstr, then run compile")
        return 0
    rows = missing()
    for msgid, ctx, src in rows:
        print(f"{src}: {ctx + '|' if ctx else ''}{msgid!r}")
    print(f"{len(rows)} strings without German translation")
    return 1 if rows else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
