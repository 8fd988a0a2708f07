from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kontaktpflege.web"
    label = "web"

    def ready(self) -> None:
        # Messages about a pair ("pair:<other person's id>", connect others) name the other
        # person; messaging sits below contacts' callers, so the hook is registered here.
        from kontaktpflege.messaging.compose import register_about_provider
        from kontaktpflege.web.about import pair_about_provider

        register_about_provider("pair", pair_about_provider)
