"""The audit log: hash-chained per workspace, `kontaktpflege audit verify` finds tampering,
and two events at once never fork the chain."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from kontaktpflege.cli import main as cli
from kontaktpflege.privacy.audit import audit_record, audit_verify
from kontaktpflege.privacy.models import AuditChainHead, AuditEvent


def record_some(workspace, n=5):
    return [
        audit_record(
            workspace=workspace,
            action="consent.granted",
            subject_type="person",
            subject_id=i,
            data={"purpose": "talent_pool", "record": i, "note": "Grüße ✓"},
        )
        for i in range(n)
    ]


def edit_directly(sql: str, params: list) -> None:
    """Change a row with SQL behind the app's back (the append-only trigger bypassed)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What a database superuser can do: run without user triggers for a moment.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER privacy_auditevent_no_update")
            cursor.execute(sql, params)


@pytest.mark.django_db
def test_events_are_chained_and_verify(workspace, charlie):
    events = record_some(workspace)
    record_some(charlie.active_workspace, 2)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    head = AuditChainHead.objects.get(workspace=workspace)
    assert (head.seq, head.hash) == (5, events[-1].hash)
    assert audit_verify() == []
    call_command("inspect_audit", "verify")


@pytest.mark.django_db
def test_verify_fails_and_names_the_first_row_edited_with_sql(workspace, capsys):
    events = record_some(workspace)
    edit_directly(
        "UPDATE privacy_auditevent SET subject_id = %s WHERE id = %s", [999, events[2].pk]
    )
    [found] = audit_verify()
    assert (found.seq, found.event_id) == (3, events[2].pk)
    assert "changed" in found.reason
    with pytest.raises(SystemExit) as exited:
        cli(["kontaktpflege", "audit", "verify"])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert f"event #3 (row id {events[2].pk})" in err


@pytest.mark.django_db
def test_verify_finds_a_rewritten_hash_a_deleted_row_and_a_cut_tail(workspace):
    events = record_some(workspace)
    edit_directly(
        "UPDATE privacy_auditevent SET data = %s, hash = %s WHERE id = %s",
        ['{"purpose": "campaigns"}', "f" * 64, events[1].pk],
    )
    assert audit_verify()[0].seq == 2  # its own hash no longer matches
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    [found] = audit_verify()
    assert found.seq == 2 and "missing" in found.reason
    AuditEvent.objects.filter(seq__gte=2).delete()
    [found] = audit_verify()
    assert "ends at #5" in found.reason
    with pytest.raises(CommandError):
        call_command("inspect_audit", "verify", "--workspace", str(workspace.pk))


@pytest.mark.django_db(transaction=True)
def test_events_written_at_once_do_not_fork_the_chain(workspace):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections: PostgreSQL (SQLite serialises writers)")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(10):
                audit_record(workspace=workspace.pk, action="test.parallel", data={"t": n, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    seqs = list(AuditEvent.objects.filter(workspace=workspace).values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, 41))
    assert audit_verify() == []


@pytest.mark.django_db
def test_audit_data_takes_no_floats(workspace):
    with pytest.raises(TypeError):
        audit_record(workspace=workspace, action="x", data={"score": 0.5})
