"""The rendering sandbox for user-editable message templates.

Jinja2's SandboxedEnvironment keeps templates away from Python internals; on top of it this
module bounds the work a template can do, because a thread with a timeout cannot be killed:

- every loop iterates through a guard (AST rewrite) that counts iterations and checks a
  wall-clock deadline, so loops without output stop too;
- every call, filter, ``~`` concatenation and intercepted operator (``*``, ``**``, ``%``,
  ``+``, ``-``, ``//``) checks the deadline, the size of its arguments and of its result
  *before* the allocation can explode (``'x' * 10**9`` is refused, not attempted); integer
  results are limited to 256 bits, judged from the operands' bit lengths;
- sizes are nested sizes (a list of lists counts every element), measured by a bounded walk,
  so list literals, repetition and any conversion to text (output, ``|string``, ``|join``,
  ``~``, text filters) refuse a value before ``str()`` could blow it up;
- output comes from ``generate()`` with a running size cap;
- every character a template writes anywhere counts against one budget, not only its
  top-level output: ``{% set %}…{% endset %}``, macros, ``caller()``, ``{% filter %}`` and
  recursive loops collect their text in a list that Jinja joins with ``environment.concat``.
  Each ``{{ … }}`` is charged when it is written (``finalize``), each list before it is
  joined (``concat``, the hook Jinja's own NativeEnvironment replaces), each filter and call
  result when it is made, and every loop iteration is charged the literal text of its body,
  so a loop that repeats text into a block stops long before the block is joined;
- only a short list of filters and safe ``str`` methods is available, no includes, no
  ``cycler``/``joiner``/``namespace``/``lipsum`` globals.

Undefined variables render empty and are recorded, so the preview can flag them.
"""

from __future__ import annotations

import math
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2 import filters as jinja_filters
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.runtime import missing
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kontaktpflege.messaging.render_cache import CompiledTemplateCache

MAX_SOURCE_CHARS = 20_000
MAX_OUTPUT_CHARS = 50_000
MAX_WRITTEN_CHARS = 1_000_000  # everything written in one render, buffered blocks included
MAX_VALUE_CHARS = 50_000  # any intermediate string or list
MAX_INT_ARG = 10_000  # numbers passed to calls and filters
MAX_INT_BITS = 256  # integer results of arithmetic
MAX_FILTER_STR_ARG = 200
MAX_ITERATIONS = 50_000
MAX_CALLS = 20_000
TIME_LIMIT_SECONDS = 1.0
MAX_CACHE_BYTES = 32 * 1024 * 1024  # compiled templates kept (render_cache.py)

SAFE_STR_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "endswith",
        "isdigit",
        "isalpha",
        "lower",
        "lstrip",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "title",
        "upper",
    }
)


class RenderError(Exception):
    """A template that cannot be rendered: syntax error, limit hit or forbidden access."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


class LimitExceeded(Exception):
    """Raised inside rendering when a limit is hit; turned into a RenderError."""


@dataclass
class _Budget:
    deadline: float
    iterations: int = 0
    calls: int = 0
    written: int = 0
    undefined: list[str] = field(default_factory=list)

    def tick(self) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise LimitExceeded(_("The template does too much work (too many calls)."))
        if time.monotonic() > self.deadline:
            raise LimitExceeded(_("The template took too long to render."))

    def write(self, chars: int) -> None:
        self.written += chars
        if self.written > MAX_WRITTEN_CHARS:
            raise LimitExceeded(
                _(
                    "The template writes too much text (more than %(max)d characters in all, "
                    "counting blocks, macros and loops)."
                )
                % {"max": MAX_WRITTEN_CHARS}
            )
        if time.monotonic() > self.deadline:
            raise LimitExceeded(_("The template took too long to render."))


_BUDGET: ContextVar[_Budget | None] = ContextVar("kp_render_budget", default=None)


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()


def _write(chars: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.write(chars)


_CONTAINERS = (list, tuple, set, frozenset)


def _size_of(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """Nested size: characters of strings plus the elements of every nested container.

    Shared references count each time (that is what ``str()`` would write). The walk stops
    as soon as the total passes ``limit``, so it costs at most ``limit`` steps.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += 2 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            total += len(item)
            if total <= limit:
                stack.extend(item)
        if total > limit:
            return total
    return total


def _check_value(value: Any) -> Any:
    if _size_of(value) > MAX_VALUE_CHARS:
        raise LimitExceeded(_("A value in the template grew too large."))
    return value


def _check_written(value: Any) -> Any:
    """A filter or call result: refused when too large, else charged as written text.

    Filter blocks and ``{% call %}`` put these results into their block without ``finalize``.
    """
    size = _size_of(value)
    if size > MAX_VALUE_CHARS:
        raise LimitExceeded(_("A value in the template grew too large."))
    _write(size)
    return value


def _check_convertible(value: Any) -> Any:
    """Refuse a container whose text would be too long, before ``str()`` builds it."""
    if not isinstance(value, str) and _size_of(value, MAX_OUTPUT_CHARS) > MAX_OUTPUT_CHARS:
        raise LimitExceeded(_("A value in the template grew too large."))
    return value


def _safe_str(value: Any) -> str:
    return _check_value(str(_check_convertible(value)))


def _safe_join(value: Any, d: Any = "") -> str:
    sep = str(d)
    items = list(_guard_iter(value))
    if _size_of(items, MAX_OUTPUT_CHARS) + len(sep) * len(items) > MAX_OUTPUT_CHARS:
        raise LimitExceeded(_("A value in the template grew too large."))
    return sep.join(str(x) for x in items)


def _check_args(args: Iterable[Any], *, max_str: int = MAX_VALUE_CHARS) -> None:
    for arg in args:
        if isinstance(arg, bool):
            continue
        if isinstance(arg, int | float) and abs(arg) > MAX_INT_ARG:
            raise LimitExceeded(
                _("Numbers in calls are limited to %(max)d.") % {"max": MAX_INT_ARG}
            )
        if _size_of(arg) > max_str:
            raise LimitExceeded(_("A value passed in the template is too long."))


class RecordingUndefined(ChainableUndefined):
    """Renders empty and records the variable's name for the preview."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        budget = _BUDGET.get()
        name = self._undefined_name
        if budget is not None and name and self._undefined_exception is not SecurityError:
            if self._undefined_obj is not missing and not isinstance(
                self._undefined_obj, ChainableUndefined
            ):
                name = f"{type(self._undefined_obj).__name__}.{name}"
            if name not in budget.undefined:
                budget.undefined.append(str(name)[:80])


def _guard_iter(value: Any, literal_chars: int = 0) -> Iterator[Any]:
    """Every loop iterates through this: counts iterations, checks the deadline.

    Each iteration is charged the literal text of the loop's body (``literal_chars``): that
    text goes into the block being written as a reference, so only this charge keeps a
    loop from filling a block with millions of entries before the block is joined.
    """
    budget = _BUDGET.get()
    for item in value:
        if budget is not None:
            budget.iterations += 1
            if budget.iterations > MAX_ITERATIONS:
                raise LimitExceeded(_("The template loops too often."))
            budget.write(literal_chars)  # also checks the deadline
        yield item


# Filters that only look at a container's top level; every other one may turn it into text.
_STRUCTURAL_FILTERS = frozenset({"first", "last", "length", "count", "list", "reverse"})


def _guarded_filter(
    fn: Callable[..., Any], *, free_args: bool = False, structural: bool = False
) -> Callable[..., Any]:
    def wrapper(value: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        if not structural:
            _check_convertible(value)
        if not free_args:
            _check_args([*args, *kwargs.values()], max_str=MAX_FILTER_STR_ARG)
        return _check_written(fn(value, *args, **kwargs))

    return wrapper


def _safe_replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    pieces = len(text) + 1 if old == "" else text.count(str(old)) if old else 0
    if len(text) + pieces * len(str(new)) > MAX_VALUE_CHARS:
        raise LimitExceeded(_("A value in the template grew too large."))
    return text.replace(str(old), str(new), -1 if count is None else count)


def _filters() -> dict[str, Callable[..., Any]]:
    f = jinja_filters
    plain: dict[str, Callable[..., Any]] = {
        "abs": abs,
        "capitalize": f.do_capitalize,
        "first": f.sync_do_first,
        "float": f.do_float,
        "int": f.do_int,
        "last": f.do_last,
        "length": len,
        "count": len,
        "list": f.sync_do_list,
        "lower": f.do_lower,
        "upper": f.do_upper,
        "reverse": f.do_reverse,
        "round": f.do_round,
        "string": _safe_str,
        "striptags": f.do_striptags,
        "title": f.do_title,
        "trim": f.do_trim,
        "truncate": lambda v, length=255, end="…": f.do_truncate(None, v, length, True, end, 5),  # type: ignore[arg-type]
        "wordcount": f.do_wordcount,
        "replace": _safe_replace,
        "join": _safe_join,
    }
    guarded = {
        name: _guarded_filter(fn, structural=name in _STRUCTURAL_FILTERS)
        for name, fn in plain.items()
    }
    guarded["default"] = guarded["d"] = _guarded_filter(f.do_default, free_args=True)
    return guarded


def _capped_range(*args: int) -> Iterator[int]:
    return _guard_iter(range(*args))


class _GuardedCodeGenerator(CodeGenerator):
    """Routes ``~`` concatenation and list/tuple/dict literals through size checks."""

    def _checked(self, visit: Callable[[Any, Frame], None], node: Any, frame: Frame) -> None:
        self.write("environment.kp_check_value(")
        visit(node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._checked(super().visit_List, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._checked(super().visit_Dict, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":
            super().visit_Tuple(node, frame)
        else:
            self._checked(super().visit_Tuple, node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.kp_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _text(value: Any) -> str:
    return "" if value is None else str(_check_convertible(value))


def _finalize(value: Any) -> str:
    """Every ``{{ … }}`` passes here, in a block or not: charged as written (at least 1)."""
    text = _text(value)
    _write(len(text) + 1)
    return text


def _concat(parts: Iterable[str]) -> str:
    """Joins a block's text (set block, macro, caller, filter block) after charging it."""
    parts = list(parts)
    _write(sum(map(len, parts)))
    return "".join(parts)


class GuardedEnvironment(ImmutableSandboxedEnvironment):
    """A sandbox whose every loop, call and operator is bounded in time and size."""

    code_generator_class = _GuardedCodeGenerator
    concat = staticmethod(_concat)
    intercepted_binops = frozenset({"*", "**", "%", "+", "-", "//"})

    def __init__(self) -> None:
        super().__init__(
            autoescape=False,
            undefined=RecordingUndefined,
            finalize=_finalize,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,
        )
        self.filters = _filters()
        self.filters["kp_guard_iter"] = _guard_iter
        self.globals = {"range": _capped_range}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            literal = nodes.Const(_literal_chars(loop.body), lineno=loop.lineno)
            loop.iter = nodes.Filter(
                loop.iter, "kp_guard_iter", [literal], [], None, None, lineno=loop.lineno
            )
        return tree

    def kp_concat(self, parts: tuple[Any, ...]) -> str:
        _tick()
        total = sum(_size_of(p, MAX_OUTPUT_CHARS) for p in parts)
        if total > MAX_VALUE_CHARS:
            raise LimitExceeded(_("A value in the template grew too large."))
        return _check_value("".join(_text(p) for p in parts))

    def kp_check_value(self, value: Any) -> Any:
        return _check_value(value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(
            _("“%(attr)s” cannot be used in templates.") % {"attr": str(attribute)[:60]}
        )

    def wrap_str_format(self, value: Any) -> None:
        # str.format/format_map could pad to any width; they are simply not available.
        return None

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str | bytes) and attr not in SAFE_STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        _check_args([*args, *kwargs.values()])
        return _check_written(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        _tick()
        _check_binop(operator_, left, right)
        return _check_value(super().call_binop(context, operator_, left, right))


def _literal_chars(body: list[nodes.Node]) -> int:
    """The constant text in a loop's body (nested bodies included: an upper bound)."""
    total = 0
    for statement in body:  # statements, never text nodes themselves
        for node in statement.find_all((nodes.TemplateData, nodes.Const)):
            value = getattr(node, "data", None) or getattr(node, "value", None)
            total += len(value) if isinstance(value, str) else 0
    return total


def _int_result_bits(op: str, left: int, right: int) -> int:
    """An upper bound of the result's bit length, from the operands alone (nothing computed)."""
    a, b = abs(left).bit_length(), abs(right).bit_length()
    if op == "*":
        return a + b
    if op in ("+", "-"):
        return max(a, b) + 1
    if op == "//":
        return a + 1
    if op == "**":
        if right <= 0 or abs(left) <= 1:
            return 1
        if right > MAX_INT_BITS:
            return MAX_INT_BITS + 1
        return int(math.log2(abs(left)) * right) + 1
    return max(a, b)  # % is never larger than its operands


def _repeated_size(seq: Any, n: Any) -> int:
    """The nested size of ``seq * n`` (0 when it is no sequence repetition)."""
    if not isinstance(seq, str | bytes | list | tuple) or not isinstance(n, int) or n <= 0:
        return 0
    return _size_of(seq) * n


def _check_binop(op: str, left: Any, right: Any) -> None:
    if op == "%" and isinstance(left, str):
        raise SecurityError(_("Formatting with % is not available in templates."))
    if isinstance(left, int) and isinstance(right, int):
        if _int_result_bits(op, left, right) > MAX_INT_BITS:
            raise LimitExceeded(
                _("A number in the template grew too large (at most %(bits)d bits).")
                % {"bits": MAX_INT_BITS}
            )
        return
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if _repeated_size(seq, n) > MAX_VALUE_CHARS:
                raise LimitExceeded(_("A value in the template grew too large."))
    if op == "+" and _size_of(left) + _size_of(right) > MAX_VALUE_CHARS:
        raise LimitExceeded(_("A value in the template grew too large."))


_ENV = GuardedEnvironment()


@dataclass(frozen=True)
class Rendered:
    """The text a template produced and the variables it used without a value."""

    text: str
    undefined: tuple[str, ...] = ()


_CACHE = CompiledTemplateCache(MAX_CACHE_BYTES)


def _compile(source: str) -> Any:
    if len(source) > MAX_SOURCE_CHARS:
        raise RenderError(
            _("A template may have at most %(max)d characters (this has %(n)d).")
            % {"max": MAX_SOURCE_CHARS, "n": len(source)}
        )
    template = _CACHE.get(source)
    if template is not None:
        return template
    try:
        template = _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise RenderError(_syntax_message(exc), exc.lineno) from None
    except RecursionError:
        raise RenderError(_("The template is nested too deeply.")) from None
    _CACHE.put(source, template)
    return template


def _syntax_message(exc: TemplateSyntaxError) -> str:
    return _("Syntax error: %(detail)s") % {"detail": (exc.message or "")[:300]}


def check_syntax(source: str) -> None:
    """Raise RenderError (with the line) when the template does not compile."""
    _compile(source)


def _template_line(exc: BaseException) -> int | None:
    lines = [
        f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"
    ]
    return lines[-1] if lines else None


def render_text(
    source: str, context: dict[str, Any], *, time_limit: float | None = None
) -> Rendered:
    """Render a template in the sandbox; any failure becomes a RenderError, never a crash."""
    template = _compile(source)
    limit = TIME_LIMIT_SECONDS if time_limit is None else time_limit
    budget = _Budget(deadline=time.monotonic() + limit)
    token = _BUDGET.set(budget)
    try:
        return Rendered(_generate(template, context, budget), tuple(budget.undefined))
    except RenderError:
        raise
    except LimitExceeded as exc:
        raise RenderError(str(exc), _template_line(exc)) from None
    except SecurityError as exc:
        raise RenderError(
            _("The template tried to use something it may not: %(detail)s")
            % {"detail": str(exc)[:200]},
            _template_line(exc),
        ) from None
    except RecursionError:
        raise RenderError(_("The template calls itself too deeply.")) from None
    except (TemplateError, Exception) as exc:  # any error inside user code is the user's error
        raise RenderError(
            _("The template failed: %(detail)s") % {"detail": str(exc)[:200]},
            _template_line(exc),
        ) from None
    finally:
        _BUDGET.reset(token)


def _generate(template: Any, context: dict[str, Any], budget: _Budget) -> str:
    parts: list[str] = []
    size = 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise LimitExceeded(
                _("The text would be longer than %(max)d characters.") % {"max": MAX_OUTPUT_CHARS}
            )
        if time.monotonic() > budget.deadline:
            raise LimitExceeded(_("The template took too long to render."))
        parts.append(chunk)
    return "".join(parts)


_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def tidy(text: str) -> str:
    """Drop trailing spaces and collapse the blank lines an empty variable leaves behind."""
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def template_variables(source: str) -> set[str]:
    """Names a template reads from its context (for flagging empty ones in the preview)."""
    from jinja2 import meta

    try:
        return set(meta.find_undeclared_variables(_ENV.parse(source)))
    except (TemplateSyntaxError, RecursionError):
        return set()
