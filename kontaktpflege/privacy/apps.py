from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kontaktpflege.privacy"
    label = "privacy"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_people_deleting
        from kontaktpflege.privacy.dsr import refuse_delete_while_open

        on_people_deleting(refuse_delete_while_open)
