"""A trigram index on the name part of the search text (PostgreSQL only).

A ranked search takes every name match from it and only a bounded number of the other
matches (contacts.search.bound_matches). The expression is contacts.search.SearchName's;
both must spell it alike for the planner to use the index. SQLite searches with FTS5.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS contacts_person_name_trgm ON contacts_person "
            "USING gin ((split_part(search_text, ' | ', 1)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contacts_person_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0010_person_touched_nulls_first")]
    operations = [migrations.RunPython(forwards, backwards)]
