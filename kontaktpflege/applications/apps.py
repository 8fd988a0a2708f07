from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "kontaktpflege.applications"
    label = "applications"

    def ready(self) -> None:
        from kontaktpflege.applications import activation, conversations

        conversations.register()  # conversation facts for the engine; conversation drafts
        activation.register()  # a conversation logged anywhere completes the activation
