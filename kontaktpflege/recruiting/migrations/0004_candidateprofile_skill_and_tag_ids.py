"""Candidate profiles carry copies of their skill and contact tags as id lists (recperf), so
a pool filter is one index scan per condition and re-matching pre-filters by containment.

- `skill_ids`: the skill tags that are not removed, written by the tagging services in
  recruiting/tags.py (candidate_skill_ids_refresh, the one writer).
- `tag_ids`: the contact tags, written by the database: contact tags are set below this
  app (contacts, imports, merges, privacy), so triggers on contacts_person_tags and on the
  profile itself keep the copy (every insert or update of a profile recomputes it).

Both are `integer[]` with GIN indexes on PostgreSQL and JSON text on SQLite (no index; the
triggers there are the same rule in SQLite's dialect). Existing rows are filled in.
"""

from django.db import migrations

import kontaktpflege.recruiting.models

PG_FILL = [
    "UPDATE recruiting_candidateprofile p SET skill_ids = s.ids FROM ("
    " SELECT person_id, array_agg(skill_id ORDER BY skill_id) AS ids"
    " FROM recruiting_candidateskill WHERE NOT removed GROUP BY person_id) s"
    " WHERE s.person_id = p.person_id",
    "UPDATE recruiting_candidateprofile p SET tag_ids = s.ids FROM ("
    " SELECT person_id, array_agg(tag_id ORDER BY tag_id) AS ids"
    " FROM contacts_person_tags GROUP BY person_id) s WHERE s.person_id = p.person_id",
]
PG_FORWARD = [
    # The fill queued deferred foreign-key checks; PostgreSQL builds no index before they ran.
    "SET CONSTRAINTS ALL IMMEDIATE",
    "SET CONSTRAINTS ALL DEFERRED",
    "CREATE INDEX IF NOT EXISTS candidate_skill_ids ON recruiting_candidateprofile"
    " USING gin (skill_ids)",
    "CREATE INDEX IF NOT EXISTS candidate_tag_ids ON recruiting_candidateprofile"
    " USING gin (tag_ids)",
    # Any insert or update of a profile takes the person's tags as they are.
    """CREATE OR REPLACE FUNCTION recruiting_profile_tag_ids() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tag_ids := COALESCE((SELECT array_agg(t.tag_id ORDER BY t.tag_id)
            FROM contacts_person_tags t WHERE t.person_id = NEW.person_id), '{}');
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER recruiting_profile_tag_ids BEFORE INSERT OR UPDATE"
    " ON recruiting_candidateprofile FOR EACH ROW EXECUTE FUNCTION recruiting_profile_tag_ids()",
    # A tag set or taken off: touch the person's profile, whose trigger recomputes the copy.
    """CREATE OR REPLACE FUNCTION recruiting_person_tags_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE recruiting_candidateprofile SET tag_ids = '{}'
                WHERE person_id = OLD.person_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE recruiting_candidateprofile SET tag_ids = '{}'
                WHERE person_id = NEW.person_id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER recruiting_person_tags_changed AFTER INSERT OR UPDATE OR DELETE"
    " ON contacts_person_tags FOR EACH ROW EXECUTE FUNCTION recruiting_person_tags_changed()",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS recruiting_person_tags_changed ON contacts_person_tags",
    "DROP FUNCTION IF EXISTS recruiting_person_tags_changed()",
    "DROP TRIGGER IF EXISTS recruiting_profile_tag_ids ON recruiting_candidateprofile",
    "DROP FUNCTION IF EXISTS recruiting_profile_tag_ids()",
    "DROP INDEX IF EXISTS candidate_tag_ids",
    "DROP INDEX IF EXISTS candidate_skill_ids",
]


def _sqlite_tags(person: str) -> str:
    return (
        "UPDATE recruiting_candidateprofile SET tag_ids = (SELECT json_group_array(tag_id)"
        " FROM (SELECT tag_id FROM contacts_person_tags"
        f" WHERE person_id = {person} ORDER BY tag_id)) WHERE person_id = {person};"
    )


SQLITE_FILL = [
    "UPDATE recruiting_candidateprofile SET skill_ids = (SELECT json_group_array(skill_id)"
    " FROM (SELECT skill_id FROM recruiting_candidateskill s WHERE s.person_id ="
    " recruiting_candidateprofile.person_id AND NOT s.removed ORDER BY skill_id))",
    "UPDATE recruiting_candidateprofile SET tag_ids = (SELECT json_group_array(tag_id)"
    " FROM (SELECT tag_id FROM contacts_person_tags t WHERE t.person_id ="
    " recruiting_candidateprofile.person_id ORDER BY tag_id))",
]
# Recursive triggers are off in SQLite: the update inside an AFTER UPDATE trigger of the
# same table does not fire it again.
SQLITE_FORWARD = [
    "CREATE TRIGGER recruiting_person_tags_insert AFTER INSERT ON contacts_person_tags"
    f" BEGIN {_sqlite_tags('NEW.person_id')} END",
    "CREATE TRIGGER recruiting_person_tags_delete AFTER DELETE ON contacts_person_tags"
    f" BEGIN {_sqlite_tags('OLD.person_id')} END",
    "CREATE TRIGGER recruiting_person_tags_update AFTER UPDATE ON contacts_person_tags"
    f" BEGIN {_sqlite_tags('OLD.person_id')} {_sqlite_tags('NEW.person_id')} END",
    "CREATE TRIGGER recruiting_profile_tag_ids_insert AFTER INSERT"
    f" ON recruiting_candidateprofile BEGIN {_sqlite_tags('NEW.person_id')} END",
    "CREATE TRIGGER recruiting_profile_tag_ids_update AFTER UPDATE"
    f" ON recruiting_candidateprofile BEGIN {_sqlite_tags('NEW.person_id')} END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "recruiting_person_tags_insert",
        "recruiting_person_tags_delete",
        "recruiting_person_tags_update",
        "recruiting_profile_tag_ids_insert",
        "recruiting_profile_tag_ids_update",
    )
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_FILL + PG_FORWARD, "sqlite": SQLITE_FILL + SQLITE_FORWARD}
    for statement in statements.get(vendor, []):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}
    for statement in statements.get(vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0008_relationship_introduced"),
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
        migrations.AddField(
            model_name="candidateprofile",
            name="tag_ids",
            field=kontaktpflege.recruiting.models.IdListField(
                blank=True, default=list, editable=False
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
