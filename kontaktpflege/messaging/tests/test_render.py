"""The sandbox: harmless output or a clear error for hostile or broken templates."""

import tracemalloc

import pytest

from kontaktpflege.messaging.render import RenderError, check_syntax, render_text, tidy

HOSTILE = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ range.__self__ }}",
    "{{ config }}{{ request.environ }}{{ settings.SECRET_KEY }}",
    "{{ 'x' * 1000000000 }}",
    "{{ [1] * 1000000000 }}",
    "{{ 10 ** 10 ** 10 }}",
    "{{ 'x'.ljust(1000000000) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ range(100000000) | list }}",
    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{% for a in range(10000) %}{% for b in range(10000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s | length }}{% endif %}"
    "{% endmacro %}{{ d('x', 80) }}",
    "{% set s = 'x' * 40000 %}{{ s ~ s ~ s }}",
    "{{ 'ab' | replace('', 'x' * 150) | replace('', 'y' * 150) }}",
    "{% include '/etc/passwd' %}",
    "{% for x in 'abc' recursive %}{{ loop('abc') }}{% endfor %}",
    "{{ lipsum(1000000) }}",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_templates_get_a_clear_error_or_harmless_output(source):
    try:
        result = render_text(source, {"salutation": "Liebe Julia"})
    except RenderError as exc:
        assert str(exc)
    else:
        assert len(result.text) < 60_000
        assert "class" not in result.text and "SECRET" not in result.text


def test_undefined_variables_render_empty_and_are_recorded():
    result = render_text(
        "Hallo {{ firstname }}, {{ first_name }} {{ orga.name }}", {"first_name": "Julia"}
    )
    assert result.text == "Hallo , Julia "
    assert result.undefined == ("firstname", "orga")


def test_syntax_errors_name_their_line():
    with pytest.raises(RenderError) as info:
        check_syntax("Hallo\n\n{% if salutation %}\nno end")
    assert info.value.line is not None
    assert "Line" in str(info.value)


def test_runtime_errors_name_their_line():
    with pytest.raises(RenderError) as info:
        render_text("eins\nzwei\n{{ 1 / 0 }}", {})
    assert info.value.line == 3


def test_oversized_templates_are_refused():
    with pytest.raises(RenderError):
        check_syntax("x" * 5_000_000)


def test_bodies_are_plain_text_without_html_escaping():
    assert render_text("{{ v }}", {"v": "Müller & <Partner>"}).text == "Müller & <Partner>"


def test_tidy_collapses_the_gap_an_empty_variable_leaves():
    assert tidy("Hallo,\n\n\n\n\nGrüße  \n") == "Hallo,\n\nGrüße"


SQUARING = (
    "{% set a = 2 ** 60 %}"
    + "".join("{% set a = a * a %}" for _ in range(16))
    + "{{ a | string | length }}"
)


@pytest.mark.parametrize(
    "source",
    [
        SQUARING,
        "{% set a = 2 ** 200 %}{% set b = a * a %}{{ b }}",
        "{% set a = 2 ** 255 %}{{ a + a }}",
        "{% set a = 2 ** 255 %}{{ 0 - a - a }}",
        "{{ 2 ** 257 }}",
        "{% set a = 2 ** 200 %}{{ (a * 1) // 1 * a }}",
        "{{ 12345678901234567890 ** 20 }}",
    ],
)
def test_integer_arithmetic_beyond_256_bits_is_refused_before_it_is_computed(source):
    with pytest.raises(RenderError) as info:
        render_text(source, {})
    assert "number" in str(info.value).lower()


def test_integer_arithmetic_within_256_bits_still_works():
    result = render_text("{% set a = 2 ** 250 %}{{ a * 3 - 1 + 1 // 1 }}|{{ 10 ** 70 }}", {})
    assert result.text == f"{2**250 * 3 - 1 + 1}|{10**70}"


NESTED = "{% set x = range(9999) | list %}"


@pytest.mark.parametrize(
    "source",
    [
        NESTED + "{{ ([x] * 2000) | string }}",
        NESTED + "{{ [x] * 2000 }}",
        NESTED + "{{ [[x]] * 10 }}",
        NESTED + "{% set y = [x, x, x, x, x, x] %}{{ y | string }}",
        NESTED + "{% set y = [x, x, x, x, x, x] %}{{ y }}",
        NESTED + "{% set y = [x, x, x, x, x, x] %}{{ y | join(',') }}",
        NESTED + "{% set y = [x, x, x, x, x, x] %}{{ y ~ '' }}",
        NESTED + "{% set y = [x, x, x, x, x, x] %}{{ y | upper }}",
        NESTED + "{% set y = {'a': x, 'b': x, 'c': x, 'd': x, 'e': x, 'f': x} %}{{ y }}",
        NESTED + "{% set y = (x, x, x, x, x, x) %}{{ [y, y] | string }}",
    ],
)
def test_nested_containers_are_measured_before_they_are_repeated_or_converted(source):
    tracemalloc.start()
    try:
        with pytest.raises(RenderError) as info:
            render_text(source, {}, time_limit=30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "too large" in message or "longer than" in message
    assert peak < 5_000_000  # refused before the text was built, not after


def test_small_nested_containers_still_convert_and_join():
    result = render_text(
        "{% set x = [1, 2] %}{{ [x] * 2 }}|{{ [x, x] | join(';') }}|{{ x | string }}", {}
    )
    assert result.text == "[[1, 2], [1, 2]]|[1, 2];[1, 2]|[1, 2]"
