"""The sandbox: harmless output or a clear error for hostile or broken templates."""

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
