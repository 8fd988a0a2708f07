"""Sent rows keep their claim token only until their touchpoint is logged (delivery.py):
rows sent before that rule was introduced are logged already, so they give theirs up."""

from django.db import migrations


def release(apps, schema_editor):
    OutboundMessage = apps.get_model("messaging", "OutboundMessage")
    OutboundMessage.objects.filter(state="sent").exclude(claim_token="").update(claim_token="")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_send_wake")]

    operations = [migrations.RunPython(release, migrations.RunPython.noop)]
