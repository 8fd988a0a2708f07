from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "kontaktpflege.network"
    label = "network"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_graph_changed
        from kontaktpflege.messaging.compose import register_about_provider
        from kontaktpflege.network import selectors, services

        on_graph_changed(services.graph_stamp_renew)
        on_graph_changed(services.graph_rebuild_soon)
        register_about_provider("person", selectors.introduction_about_person)
        register_about_provider("organisation", selectors.introduction_about_organisation)
