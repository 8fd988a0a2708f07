from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kontaktpflege.privacy"
    label = "privacy"
