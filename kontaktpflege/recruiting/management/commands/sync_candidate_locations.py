"""Copy people's locations into their candidate profiles: `manage.py sync_candidate_locations`.

New and changed profiles get the copy as they are written; this fills profiles made before
(once, after an upgrade) and prints how many changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kontaktpflege.recruiting.services import candidate_locations_sync


class Command(BaseCommand):
    help = "Copy each person's location into their candidate profile where it differs."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(candidate_locations_sync()))
