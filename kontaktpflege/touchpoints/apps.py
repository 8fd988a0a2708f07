from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "kontaktpflege.touchpoints"
    label = "touchpoints"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_people_deleting
        from kontaktpflege.touchpoints.services import touchpoints_delete_unshared

        on_people_deleting(touchpoints_delete_unshared)
