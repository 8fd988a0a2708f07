from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "kontaktpflege.applications"
    label = "applications"
