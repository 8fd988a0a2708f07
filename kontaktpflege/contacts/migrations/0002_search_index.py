"""Search indexes: an FTS5 table on SQLite, trigram GIN on PostgreSQL."""

from django.db import migrations


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS contacts_person_fts USING fts5("
            "body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    elif conn.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS contacts_person_search_trgm ON contacts_person "
            "USING gin (search_text gin_trgm_ops)"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS contacts_org_name_trgm ON contacts_organisation "
            "USING gin (name_folded gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS contacts_person_fts")
    elif conn.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contacts_person_search_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS contacts_org_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
