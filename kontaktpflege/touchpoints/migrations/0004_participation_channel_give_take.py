"""Participation carries its touchpoint's channel and give/take, so the recompute's touch
statistics read the covering index alone. Existing rows are filled by one UPDATE; the
separate index on person_id goes (the covering index starts with the person)."""

from django.db import migrations, models


def copy_from_touchpoints(apps, schema_editor):
    """One correlated UPDATE, the same SQL on SQLite (3.15+) and PostgreSQL."""
    part = apps.get_model("touchpoints", "Participation")._meta.db_table
    tp = apps.get_model("touchpoints", "Touchpoint")._meta.db_table
    q = schema_editor.quote_name
    schema_editor.execute(
        f"UPDATE {q(part)} SET (channel, give_take) ="
        f" (SELECT t.channel, t.give_take FROM {q(tp)} t WHERE t.id = {q(part)}.touchpoint_id)"
    )


class Migration(migrations.Migration):
    # Each step commits on its own: the UPDATE's old row versions are dead to everyone by
    # the time the new index is built, so it does not carry them (built in the same
    # transaction, it came out twice its size on PostgreSQL).
    atomic = False

    dependencies = [
        ("contacts", "0008_relationship_introduced"),
        ("touchpoints", "0003_participation_covering_index"),
    ]

    # The indexes go before the UPDATE and the new one is built after it: on PostgreSQL an
    # UPDATE writes every row anew, and each index it finds has to follow.
    operations = [
        migrations.AddField(
            model_name="participation",
            name="channel",
            # Only fills existing rows until the UPDATE below; the column keeps no default.
            field=models.CharField(
                choices=[
                    ("meeting", "Meeting"),
                    ("call", "Call"),
                    ("email", "Email"),
                    ("linkedin", "LinkedIn"),
                    ("xing", "Xing"),
                    ("whatsapp", "WhatsApp"),
                    ("letter", "Letter"),
                    ("event", "Event"),
                    ("group_meeting", "Group meeting"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="participation",
            name="give_take",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("give", "I gave (help, introduction, article)"),
                    ("take", "I received (a favour, help)"),
                ],
                db_default="",
                default="",
                max_length=4,
            ),
        ),
        migrations.RemoveIndex(
            model_name="participation",
            name="touchpoints_person__79832d_idx",
        ),
        migrations.AlterField(
            model_name="participation",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                to="contacts.person",
            ),
        ),
        migrations.RunPython(copy_from_touchpoints, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="participation",
            index=models.Index(
                fields=["person", "-occurred_at", "-touchpoint", "channel", "give_take"],
                name="participation_person_cover",
            ),
        ),
    ]
