"""The import benchmark runs at scale S (how fast is the bench's business, not the tests')."""

from __future__ import annotations

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench.registry import SCENARIOS, BenchContext
from kontaktpflege.contacts.models import Person


def test_the_linkedin_import_scenario_runs_at_scale_s(db):
    from kontaktpflege.dataio import bench  # noqa: F401 - registers the scenario

    run, scales = SCENARIOS["import_linkedin"]
    assert "M" in scales
    results = run(BenchContext(scale="S", workspace=None, user=None))
    assert results[0].unit == "rows/s" and results[0].figure > 0 and results[0].floor
    assert "new 500, updated 500" in results[0].note
    assert not Workspace.objects.exists() and not Person.objects.exists()
