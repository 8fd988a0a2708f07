from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kontaktpflege.api"
    label = "api"
