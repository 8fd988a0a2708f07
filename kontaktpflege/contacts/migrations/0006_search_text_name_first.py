"""Rebuild every person's search text: the name now comes first, ended by NAME_END.

Search ranking reads the name part of `search_text`; rows written before this change
have no NAME_END and would never rank as a name match.
"""

from django.db import migrations

CHUNK = 900


def forwards(apps, schema_editor):
    from kontaktpflege.contacts.search import reindex_people

    Person = apps.get_model("contacts", "Person")
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        reindex_people(ids[start : start + CHUNK])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_linkedin_touch_to_known_since")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
