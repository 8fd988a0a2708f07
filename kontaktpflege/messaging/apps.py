from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kontaktpflege.messaging"
    label = "messaging"
