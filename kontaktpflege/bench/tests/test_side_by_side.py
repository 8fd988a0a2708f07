"""--against: the HTTP scenarios alternate their requests between two servers."""

from __future__ import annotations

import pytest

from kontaktpflege.bench.http import Response
from kontaktpflege.bench.registry import BenchContext, side_by_side_results
from kontaktpflege.bench.report import render


class Recorder:
    """A stand-in session that records which server was asked, in order."""

    def __init__(self, log: list[str], status: int = 200) -> None:
        self.log, self.status = log, status

    def get(self, url: str) -> Response:
        self.log.append(url)
        return Response(self.status, {}, b"")


def test_requests_alternate_between_both_servers_and_every_pair_is_kept():
    log: list[str] = []
    ctx = BenchContext(scale="XS", workspace=None, user=None, base_url="http://a", repeat=4)
    ctx.http, ctx.against, ctx.against_url = Recorder(log), Recorder(log), "http://b"
    timings = ctx.time_http("/people/1/")
    assert len(timings) == 4 and len(ctx.side_by_side) == 4
    # One warm-up each, then rounds asking a first, b first, a first, b first.
    hosts = [url.split("/")[2] for url in log]
    assert hosts == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]


def test_without_a_second_server_only_this_one_is_asked():
    log: list[str] = []
    ctx = BenchContext(scale="XS", workspace=None, user=None, base_url="http://a", repeat=3)
    ctx.http = Recorder(log)
    assert len(ctx.time_http("/")) == 3
    assert {url.split("/")[2] for url in log} == {"a"} and ctx.side_by_side == []


def test_an_error_at_the_second_server_names_it():
    ctx = BenchContext(scale="XS", workspace=None, user=None, base_url="http://a", repeat=2)
    ctx.http, ctx.against, ctx.against_url = Recorder([]), Recorder([], 404), "http://b"
    with pytest.raises(RuntimeError, match="404 \\(the --against server\\)"):
        ctx.time_http("/people/1/")


def test_the_report_shows_both_columns_and_the_ratio():
    pairs = [(10.0, 30.0)] * 19 + [(20.0, 50.0)]
    results = side_by_side_results("person page", pairs, "http://b")
    assert [r.against for r in results] == [30.0, pytest.approx(31.0)]
    run = {
        "scale": "S",
        "against": "http://b",
        "results": [
            {"scenario": "person page", **{k: getattr(r, k) for k in vars(r)}} for r in results
        ],
    }
    markdown = render([run])
    (line,) = [line for line in markdown.splitlines() if line.startswith("| person page")]
    assert line.split(" | ")[1:7] == ["10.0", "30.0", "3.00×", "10.5", "31.0", "2.95×"]
    assert "Side by side with http://b" in markdown
