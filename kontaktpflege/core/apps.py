from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kontaktpflege.core"
    label = "core"
