"""Indexes for talent pool filters (recc): the profile filter index carries the person id so a
pool reads its members from the index alone, and contact tags get a (tag, person) index so a
tag filter is an index-only semi-join instead of one probe per candidate."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_email_verification_invitation_limits_approved_senders"),
        ("contacts", "0008_relationship_introduced"),
        ("recruiting", "0002_reca_restrict_instead_of_protect"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="candidateprofile",
            name="candidate_pool_filter",
        ),
        migrations.AddIndex(
            model_name="candidateprofile",
            index=models.Index(
                fields=["workspace", "consent_state", "career_level", "job_type", "person"],
                name="candidate_pool_filter",
            ),
        ),
        # The through table of Person.tags is Django's own; its index goes in as plain SQL.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS contacts_person_tags_tag_person"
            " ON contacts_person_tags (tag_id, person_id)",
            "DROP INDEX IF EXISTS contacts_person_tags_tag_person",
        ),
    ]
