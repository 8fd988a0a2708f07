from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "kontaktpflege.followups"
    label = "followups"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_facts_changed
        from kontaktpflege.followups.services import followups_facts_changed

        on_facts_changed(followups_facts_changed)
