"""A person's workspace needs no index of its own: every person index starts with it
(workspace + name, circle, organisation, last touch) and serves its lookups; the separate
one cost each imported or updated person an index entry more."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "contacts_person_workspace_id_84a20a04"


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_email_verification_invitation_limits_approved_senders"),
        ("contacts", "0011_person_name_trgm"),
    ]

    # Only the index goes: AlterField would rebuild the table on SQLite and drop and check
    # the foreign key again on PostgreSQL (a scan of every row).
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON contacts_person (workspace_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
            ],
        )
    ]
