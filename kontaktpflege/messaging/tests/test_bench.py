import pytest

from kontaktpflege.bench.registry import SCENARIOS, BenchContext


@pytest.mark.django_db(transaction=True)
def test_the_send_scenario_runs_and_sends_nothing_twice(alice, workspace):
    import kontaktpflege.messaging.bench  # noqa: F401  (registers the scenario)
    from kontaktpflege.messaging.models import OutboundMessage

    fn, _scales = SCENARIOS["send"]
    results = fn(BenchContext(scale="S", workspace=workspace, user=alice, extra={"send_count": 60}))
    throughput, duplicates = results
    assert throughput.figure > 0 and throughput.floor and "60 sent, 60 received" in throughput.note
    assert duplicates.figure == 0
    assert not OutboundMessage.objects.exists()
