"""Bounded work: text collected in blocks, macros and loops counts, and so does the cache."""

import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from jinja2 import ChainableUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kontaktpflege.messaging import render, services
from kontaktpflege.messaging.library import VARIABLES, VARIANTS, shipped_templates
from kontaktpflege.messaging.models import MessageTemplate, OutboundMessage
from kontaktpflege.messaging.render import RenderError, render_text
from kontaktpflege.messaging.tests.test_render import HOSTILE

TOO_MUCH = "writes too much text"
S = "{% set s = 'x' * 49000 %}"
LOOP = "{% for i in range(9000) %}"

# Each one is at most a few hundred characters (the literal one: the source limit) and kept
# 375 MB to 1.3 GB alive on the code before the written-text budget.
BUFFERING = {
    "set block": S + "{% set y %}" + LOOP + "{{ s }}{{ s }}{{ s }}{% endfor %}{% endset %}"
    "{{ y | length }}",
    "macro": S + "{% macro m() %}" + LOOP + "{{ s }}{{ s }}{{ s }}{% endfor %}{% endmacro %}"
    "{{ m() | length }}",
    "filter block": S + "{% filter length %}" + LOOP + "{{ s }}{{ s }}{{ s }}{% endfor %}"
    "{% endfilter %}",
    "call and caller": S + "{% macro m() %}{{ caller() | length }}{% endmacro %}"
    "{% call m() %}" + LOOP + "{{ s }}{{ s }}{{ s }}{% endfor %}{% endcall %}",
    "nested loops": S + "{% set y %}{% for a in range(150) %}{% for b in range(150) %}"
    "{{ s ~ b }}{% endfor %}{% endfor %}{% endset %}{{ y | length }}",
    "literal text in nested loops": "{% set y %}{% for a in range(150) %}"
    "{% for b in range(150) %}" + "y" * 19_500 + "{% endfor %}{% endfor %}{% endset %}"
    "{{ y | length }}",
    "string multiplication": "{% set y %}" + LOOP + "{{ 'x' * 49000 }}{{ 'x' * 49000 }}"
    "{{ 'x' * 49000 }}{% endfor %}{% endset %}{{ y | length }}",
    "join": S + "{% set y %}" + LOOP + "{{ [s, i] | join }}{% endfor %}{% endset %}"
    "{{ y | length }}",
    "recursion": S + "{% macro r(n) %}{% if n %}{{ r(n - 1) }}{% else %}{{ s }}.{% endif %}"
    "{% endmacro %}{% set y %}{% for i in range(6000) %}{{ r(1) }}{% endfor %}{% endset %}"
    "{{ y | length }}",
    "set block with a filter": S + "{% set y | upper %}" + LOOP + "{{ s }}{{ s }}{{ s }}"
    "{% endfor %}{% endset %}{{ y | length }}",
    "recursive loop": S + "{% set y %}{% for a in range(9000) recursive %}{{ s }}"
    "{% if loop.depth < 2 %}{{ loop([1]) | length }}{% endif %}{% endfor %}{% endset %}"
    "{{ y | length }}",
}


@pytest.mark.parametrize("name", BUFFERING)
def test_text_collected_in_a_block_counts_and_is_refused_before_it_fills_memory(name):
    tracemalloc.start()
    try:
        with pytest.raises(RenderError) as info:
            render_text(BUFFERING[name], {}, time_limit=30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert TOO_MUCH in str(info.value)
    assert peak < 20_000_000


def test_text_within_the_budget_still_renders_in_blocks_macros_and_loops():
    source = (
        "{% macro row(p) %}- {{ p }}: {{ caller() }}\n{% endmacro %}"
        "{% set rows %}{% for p in people %}{% call row(p) %}{% filter upper %}ok"
        "{% endfilter %}{% endcall %}{% endfor %}{% endset %}{{ rows }}{{ rows | length }}"
    )
    people = [f"Person {n}" for n in range(200)]
    expected = "".join(f"- {p}: OK\n" for p in people)
    assert render_text(source, {"people": people}).text == expected + str(len(expected))


def _sample_context(variant: str) -> dict[str, str]:
    context = {v.name: v.example for v in VARIABLES if v.available}
    context.update(notes="Danke für das Gespräch.\nBis bald!", variant=variant)
    return context


@pytest.mark.parametrize("key", sorted(shipped_templates()))
def test_the_shipped_templates_render_exactly_as_plain_jinja_renders_them(key):
    plain = ImmutableSandboxedEnvironment(
        undefined=ChainableUndefined, keep_trailing_newline=True, autoescape=False
    )
    for variant in VARIANTS:
        text = shipped_templates()[key].variants[variant]
        for context in (_sample_context(variant), {}):
            for source in (text.subject, text.body):
                expected = plain.from_string(source).render(context)
                assert render_text(source, context).text == expected, (key, variant)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["set block", "macro", "literal text in nested loops"])
def test_saving_a_template_that_writes_too_much_is_refused_and_nothing_changes(workspace, name):
    services.template_customise(workspace=workspace, key="check_in")
    row = MessageTemplate.objects.get(workspace=workspace, key="check_in", variant="de_sie")
    with pytest.raises(ValidationError) as info:
        services.template_save(
            workspace=workspace,
            key="check_in",
            variant="de_sie",
            name="X",
            subject="Hallo",
            body=BUFFERING[name],
        )
    assert TOO_MUCH in str(info.value.message_dict["body"])
    row.refresh_from_db()
    assert row.body == shipped_templates()["check_in"].variants["de_sie"].body


@pytest.mark.django_db
def test_a_saved_template_that_writes_too_much_for_one_person_fails_fast_and_sends_nothing(
    alice_client, workspace, make_person
):
    """Validation renders sample values; a bomb behind a condition only goes off later."""
    kim = make_person(first_name="Kim", last_name="Meyer", emails=["kim@example.com"])
    gated = "{{ salutation }},\n{% if first_name != 'Julia' %}" + BUFFERING["set block"]
    gated += "{% endif %}\n{{ notes }}\n{{ signature }}"
    services.template_customise(workspace=workspace, key="check_in")
    for variant in VARIANTS:  # passes: the sample person is called Julia
        services.template_save(
            workspace=workspace,
            key="check_in",
            variant=variant,
            name="X",
            subject="Hallo",
            body=gated,
        )
    url = reverse("compose", args=[kim.pk])
    assert alice_client.get(url + "?template=share_article").status_code == 200  # warm-up
    started = time.monotonic()
    page = alice_client.get(url + "?template=check_in")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(action="send", notes="Bis bald", to_address="kim@example.com")
    response = alice_client.post(url, data)
    assert time.monotonic() - started < 5  # a generous safety bound, not a target
    assert TOO_MUCH in page.content.decode() and TOO_MUCH in response.content.decode()
    assert not OutboundMessage.objects.exists()


# Renders each template in a process forked from one that has loaded Django (as a web
# worker has), so os.wait4 reports the peak RSS of exactly that render.
CHILD = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.utils import translation
translation.activate("en")
from kontaktpflege.messaging.render import RenderError, render_text

for source in json.load(sys.stdin):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        started = time.monotonic()
        try:
            outcome = "rendered %d characters" % len(render_text(source, {}).text)
        except RenderError as exc:
            outcome = str(exc)
        seconds = time.monotonic() - started
        os.write(write, json.dumps({"outcome": outcome, "seconds": seconds}).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        report = json.loads(pipe.read() or "{}")
    _, status, usage = os.wait4(pid, 0)
    report.update(status=status, rss_mb=usage.ru_maxrss / 1024)
    print(json.dumps(report), flush=True)
"""


def _limit_address_space() -> None:
    """Keeps a regression from taking the shared test machine's memory (4 GB is generous)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_each_hostile_template_renders_in_a_child_within_5_seconds_and_300_mb():
    sources = [*BUFFERING.values(), *HOSTILE]
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        preexec_fn=_limit_address_space,
    )
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(reports) == len(sources), result.stderr[-2000:]
    for source, report in zip(sources, reports, strict=True):
        assert report["status"] == 0, (source[:80], report)
        assert report["seconds"] < 5, (source[:80], report)
        assert report["rss_mb"] < 300, (source[:80], report)
    for report in reports[: len(BUFFERING)]:
        assert TOO_MUCH in report["outcome"]


def test_the_compiled_template_cache_stays_under_its_byte_bound_with_many_large_templates(
    monkeypatch,
):
    bound = 2_000_000
    monkeypatch.setattr(render._CACHE, "max_bytes", bound)
    render._CACHE.clear()
    render_text("{% if a %}{{ b }}{% endif %}", {"a": 1, "b": 0})  # first-use imports
    gc.collect()
    tracemalloc.start()
    try:
        for n in range(60):  # 16,700 characters, each weighs about 65 KB
            source = f"{n}: " + "y" * 15_000 + "{% if a %}{{ b }}{% endif %}" * 60
            render_text(source, {"a": 1, "b": n})
            assert render._CACHE.bytes <= bound
        entries = len(render._CACHE)
        gc.collect()
        with_cache = tracemalloc.get_traced_memory()[0]
        render._CACHE.clear()
        gc.collect()
        kept = with_cache - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        render._CACHE.clear()
    assert 10 < entries < 60  # the oldest were dropped, the newest kept
    assert 0 < kept <= bound  # measured memory, not only the cache's own estimate


def test_the_cache_keeps_a_template_it_has_compiled_and_skips_one_above_its_bound(monkeypatch):
    render._CACHE.clear()
    render_text("Hallo {{ first_name }}", {})
    assert render._CACHE.get("Hallo {{ first_name }}") is not None
    assert 0 < render._CACHE.bytes <= render.MAX_CACHE_BYTES
    monkeypatch.setattr(render._CACHE, "max_bytes", 1000)
    render_text("Tschüss {{ first_name }}", {})
    assert render._CACHE.get("Tschüss {{ first_name }}") is None
