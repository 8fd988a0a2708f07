"""A batch's sent messages are logged at once, with the effects of logging them one by one."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from kontaktpflege.applications.activation import activation_start
from kontaktpflege.applications.models import Activation
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import person_create
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.services import followups_deferred
from kontaktpflege.messaging import delivery, services
from kontaktpflege.messaging.models import MessageState, OutboundMessage
from kontaktpflege.touchpoints.models import Participation, Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_log

# (person, subject): Ben gets two messages in the batch.
BATCH = [
    ("Ina", "m-ina"),
    ("Ben", "m-ben-1"),
    ("Dora", "m-dora"),
    ("Ben", "m-ben-2"),
    ("Neu", "m-neu"),
    ("Otto", "m-otto"),
]


def _network(workspace, user):
    """Ina (active, last talked 200 days ago: cadence due), Dora (dormant, an activation under
    way that returns her to "active"), Otto (dormant), Ben and Neu (new in the network)."""
    people = {}
    for name, circle in (
        ("Ina", "active"),
        ("Dora", "dormant"),
        ("Otto", "dormant"),
        ("Ben", "network"),
    ):
        people[name] = person_create(
            workspace=workspace,
            first_name=name,
            last_name="Muster",
            circle=circle,
            emails=[f"{name.lower()}@example.com"],
        )
    people["Neu"] = person_create(
        workspace=workspace, first_name="Neu", last_name="Muster", emails=["neu@example.com"]
    )
    touchpoint_log(
        workspace=workspace,
        participants=[people["Ina"], people["Dora"]],
        summary="Long ago",
        occurred_at=timezone.now() - dt.timedelta(days=200),
        created_by=user,
    )
    activation_start(workspace=workspace, person=people["Dora"], goal="reminisce", circle="active")
    return people


def _queue(workspace, user, people):
    return [
        services.message_queue_email(
            workspace=workspace,
            person=people[name],
            user=user,
            to_address=f"{name.lower()}@example.com",
            subject=subject,
            body=f"Hallo {name},\n\nwie geht es?\n\n{subject}",
            idempotency_key=services.new_idempotency_key(),
        )
        for name, subject in BATCH
    ]


def _log_one_by_one(claimed):
    """What the worker did before: `touchpoint_log` per message, with its "sent" write."""
    with followups_deferred():
        for message in claimed:
            message.sent_at = timezone.now()
            with transaction.atomic():
                services.message_log_touchpoint(message=message, save=False)
                OutboundMessage.objects.filter(pk=message.pk).update(
                    state=MessageState.SENT, sent_at=message.sent_at, touchpoint=message.touchpoint
                )


def _snapshot(workspace, user, messages):
    """The log and its effects, with the message's body standing for its touchpoint."""
    body = {f"message:{m.pk}": m.body for m in messages}
    tps = {tp.pk: tp for tp in Touchpoint.objects.filter(workspace=workspace)}
    label = {pk: body.get(tp.source, tp.summary) for pk, tp in tps.items()}
    people = Person.objects.filter(workspace=workspace, user__isnull=True)
    parts = Participation.objects.filter(person__in=people).select_related("person")
    touched = {(p.person_id, p.occurred_at): label[p.touchpoint_id] for p in parts}
    return {
        "touchpoints": sorted(
            (label[tp.pk], tp.summary, tp.channel, tp.direction, tp.notes, tp.created_by == user)
            for tp in tps.values()
        ),
        "participations": sorted(
            (
                p.person.first_name,
                label[p.touchpoint_id],
                p.occurred_at == tps[p.touchpoint_id].occurred_at,
            )
            for p in parts
        ),
        "people": sorted(
            (p.first_name, p.circle, touched.get((p.pk, p.last_touched_at))) for p in people
        ),
        "followups": sorted(
            (f.person.first_name, f.rule, f.state, f.due_on, label.get(f.closed_by_touchpoint_id))
            for f in FollowUp.objects.filter(workspace=workspace).select_related("person")
        ),
        "activations": sorted(
            (a.person.first_name, a.completed_at is not None)
            for a in Activation.objects.filter(workspace=workspace).select_related("person")
        ),
        "messages": sorted(
            (m.body, m.state, label.get(m.touchpoint_id))
            for m in OutboundMessage.objects.filter(workspace=workspace)
        ),
    }


@pytest.mark.django_db(transaction=True)
def test_a_sent_batch_leaves_the_same_log_and_follow_ups_as_logging_each_message(
    alice, workspace, charlie, smtp_server, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    twin = charlie.active_workspace
    batch_people = _network(workspace, alice)
    twin_people = _network(twin, charlie)

    sent = _queue(workspace, alice, batch_people)
    assert delivery.outbox_deliver() == len(BATCH)
    assert len(smtp_server.messages) == len(BATCH)
    one_by_one = _queue(twin, charlie, twin_people)
    _log_one_by_one(delivery.outbox_claim())

    batch = _snapshot(workspace, alice, sent)
    assert batch == _snapshot(twin, charlie, one_by_one)
    # Not two empty logs: every effect of a sent message is there.
    bodies = {name: m.body for (name, _s), m in zip(BATCH, sent, strict=True)}
    assert ("Ina", "done", bodies["Ina"]) in {(f[0], f[2], f[4]) for f in batch["followups"]}
    assert ("Dora", "active", bodies["Dora"]) in batch["people"]
    assert ("Dora", True) in batch["activations"]
    assert ("Otto", "network", bodies["Otto"]) in batch["people"]
    assert ("Ben", "network", sent[3].body) in batch["people"]
    assert len(batch["participations"]) == len(BATCH) + 2
    assert all(state == "sent" and tp == b for b, state, tp in batch["messages"])
