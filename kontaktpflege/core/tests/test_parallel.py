"""Work split over forked processes: results, a failing piece, a dying process."""

from __future__ import annotations

import os

import pytest

from kontaktpflege.core import parallel


def _double_with_pid(x: int) -> tuple[int, int]:
    return x * 2, os.getpid()


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("no threes here")
    return x


def _die_on_three(x: int) -> int:
    if x == 3:
        os._exit(9)
    return x


def test_every_piece_of_work_runs_once_in_the_forked_processes():
    found = list(parallel.run_spans(_double_with_pid, [(i,) for i in range(20)], 2))
    assert sorted(value for value, _pid in found) == [i * 2 for i in range(20)]
    assert os.getpid() not in {pid for _value, pid in found}


def test_a_piece_that_raises_stops_the_work_with_its_error():
    with pytest.raises(parallel.ParallelWorkFailed, match="ValueError: no threes here"):
        list(parallel.run_spans(_fail_on_three, [(i,) for i in range(6)], 2))


def test_a_process_that_dies_stops_the_work_instead_of_waiting_forever():
    with pytest.raises(parallel.ParallelWorkFailed, match=r"died \(exit code 9\)"):
        list(parallel.run_spans(_die_on_three, [(i,) for i in range(6)], 2))
