from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "kontaktpflege.touchpoints"
    label = "touchpoints"
