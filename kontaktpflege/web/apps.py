from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kontaktpflege.web"
    label = "web"
