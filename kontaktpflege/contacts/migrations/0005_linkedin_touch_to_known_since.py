"""LinkedIn's "Connected On" was stored as a touchpoint; it is "known since" now.

Imports before this change logged a "Connected on LinkedIn" touchpoint per connection, which
made years-old connections look like conversations (and their cadence "4170 days overdue").
This moves each such date to the person's `known_since`, deletes those touchpoints, resets
`last_touched_at` to the latest remaining touch, marks people with an import key as
imported, and drops the open cadence items computed from the old touch (the next refresh
or recompute builds them from the corrected facts).
"""

from django.db import migrations
from django.db.models import Max

LINKEDIN_SOURCE = "dataio:linkedin"
CHUNK = 500


def forwards(apps, schema_editor):
    Person = apps.get_model("contacts", "Person")
    Touchpoint = apps.get_model("touchpoints", "Touchpoint")
    Participation = apps.get_model("touchpoints", "Participation")
    ImportKey = apps.get_model("dataio", "ImportKey")
    FollowUp = apps.get_model("followups", "FollowUp")

    Person.objects.filter(
        pk__in=ImportKey.objects.values("person_id"), origin=""
    ).update(origin="import")
    since: dict[int, object] = {}
    for person_id, when in Participation.objects.filter(
        touchpoint__source=LINKEDIN_SOURCE
    ).values_list("person_id", "occurred_at"):
        day = when.date()
        if person_id not in since or day < since[person_id]:
            since[person_id] = day
    if not since:
        return
    Touchpoint.objects.filter(source=LINKEDIN_SOURCE).delete()
    ids = sorted(since)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        latest = dict(
            Participation.objects.filter(person_id__in=part)
            .values("person_id")
            .annotate(last=Max("occurred_at"))
            .values_list("person_id", "last")
        )
        for person in Person.objects.filter(pk__in=part).only("pk", "known_since"):
            day = since[person.pk]
            known = person.known_since if person.known_since and person.known_since < day else day
            Person.objects.filter(pk=person.pk).update(
                known_since=known, last_touched_at=latest.get(person.pk)
            )
        FollowUp.objects.filter(
            person_id__in=part,
            state="open",
            rule__in=["keep_in_touch", "new_contact", "reactivation"],
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_unsorted_known_since"),
        ("touchpoints", "0002_touchpoint_idempotency_key"),
        ("dataio", "0002_import_state_parsing"),
        ("followups", "0004_recompute_run"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
