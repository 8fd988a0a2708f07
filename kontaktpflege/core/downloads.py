"""File downloads: a Content-Disposition that no stored file name can break out of.

A user's file name is data: it may hold line breaks, quotes, directories, bidi overrides
that make "cv‮fdp.exe" read as "cv.exe.pdf", or a suffix that does not match the bytes.
safe_filename makes it a plain name with the file's real suffix; attachment sends it as an
ASCII name every browser reads beside the full UTF-8 name (RFC 6266 / RFC 5987).
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO
from urllib.parse import quote

from django.http import FileResponse

MAX_NAME = 150
_FORBIDDEN = re.compile(r'["*:<>?|;]')  # Windows refuses these; `;` and `"` end a header value
_NOT_PLAIN_ASCII = re.compile(r'[^\x20-\x7e]|["\\;]')


def safe_filename(name: str, *, suffix: str = "", default: str = "download") -> str:
    """The name without directories, control or format characters (line breaks, bidi marks)
    and characters file systems refuse, ending in `suffix`, at most MAX_NAME characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = _FORBIDDEN.sub("_", name).strip(" .") or default
    if suffix and not name.lower().endswith(suffix.lower()):
        name += suffix
    if len(name) > MAX_NAME:  # cut the stem; the suffix stays
        name = name[: MAX_NAME - len(suffix)] + name[len(name) - len(suffix) :]
    return name


def attachment(name: str) -> str:
    """A Content-Disposition header value: download as `name` (run it by safe_filename)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = _NOT_PLAIN_ASCII.sub("_", plain)
    header = f'attachment; filename="{plain}"'
    if plain != name:
        header += f"; filename*=UTF-8''{quote(unicodedata.normalize('NFC', name), safe='')}"
    return header


def file_download(file: IO[bytes], *, name: str, content_type: str) -> FileResponse:
    """Stream a stored file as a download of its own type, never shown inline or sniffed."""
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = attachment(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
