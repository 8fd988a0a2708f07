"""Compiled user templates, kept up to a number of bytes rather than a number of entries.

A compiled template is Python code: a 20,000-character template compiles to anything from
30 KB to about 1 MB depending on how many tags it holds, so a count of entries says little
about memory. Each entry's weight is estimated from the code objects Jinja produced (their
bytecode, line tables, constants and names, nested functions included) plus the source it
is keyed by. Measured with tracemalloc on templates made of every kind of tag, the estimate
is 1.0 to 1.7 times what a compiled template keeps alive (it errs high), and the test
checks the memory really retained. A shipped template weighs about 10 KB.
"""

from __future__ import annotations

import sys
import threading
import types
from collections import OrderedDict
from typing import Any

ENTRY_OVERHEAD = 8192  # the Template object, its namespace, functions and debug line map


def code_bytes(code: types.CodeType) -> int:
    """The memory of a code object and everything it holds, nested code objects included."""
    total = sys.getsizeof(code) + sys.getsizeof(code.co_code)
    for part in (code.co_linetable, code.co_exceptiontable, code.co_names, code.co_varnames):
        total += sys.getsizeof(part)
    total += sys.getsizeof(code.co_consts)
    for const in code.co_consts:
        total += code_bytes(const) if isinstance(const, types.CodeType) else sys.getsizeof(const)
    return total


def template_bytes(source: str, template: Any) -> int:
    """The estimated memory a compiled Jinja template and its cache key keep alive."""
    functions = [template.root_render_func, *template.blocks.values()]
    code = sum(code_bytes(f.__code__) for f in functions)
    return sys.getsizeof(source) + code + ENTRY_OVERHEAD


class CompiledTemplateCache:
    """A least-recently-used map from source to compiled template, bounded in bytes.

    A template heavier than the whole bound is compiled and used but not kept. Safe to use
    from several threads (the web server's).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, source: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(source)
            if entry is None:
                return None
            self._entries.move_to_end(source)
            return entry[0]

    def put(self, source: str, template: Any) -> None:
        weight = template_bytes(source, template)
        if weight > self.max_bytes:
            return
        with self._lock:
            if source in self._entries:
                return
            self._entries[source] = (template, weight)
            self.bytes += weight
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0
