"""CandidateProfile.skill_ids (recperf): each candidate's skill tags that are not removed, as
one column, so a skill filter is one containment test and re-matching pre-filters by overlap.

The column is `integer[]` on PostgreSQL with a GIN index (`@>`, `&&`), JSON text on SQLite
(no index: the join path's speed is fine at SQLite sizes). Existing tags are copied in.
"""

from django.db import migrations

import kontaktpflege.recruiting.models

FILL = {
    "postgresql": (
        "UPDATE recruiting_candidateprofile p SET skill_ids = s.ids FROM ("
        " SELECT person_id, array_agg(skill_id ORDER BY skill_id) AS ids"
        " FROM recruiting_candidateskill WHERE NOT removed GROUP BY person_id) s"
        " WHERE s.person_id = p.person_id"
    ),
    "sqlite": (
        "UPDATE recruiting_candidateprofile SET skill_ids = COALESCE((SELECT json_group_array("
        "skill_id) FROM (SELECT skill_id FROM recruiting_candidateskill s WHERE s.person_id ="
        " recruiting_candidateprofile.person_id AND NOT s.removed ORDER BY skill_id)), '[]')"
    ),
}
INDEX = "candidate_skill_ids"


def fill_and_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in FILL:
        schema_editor.execute(FILL[vendor])
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON recruiting_candidateprofile"
            " USING gin (skill_ids)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("recruiting", "0003_recc_pool_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidateprofile",
            name="skill_ids",
            field=kontaktpflege.recruiting.models.IdListField(
                blank=True, default=list, editable=False
            ),
        ),
        migrations.RunPython(fill_and_index, drop_index),
    ]
