from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "kontaktpflege.applications"
    label = "applications"

    def ready(self) -> None:
        from kontaktpflege.applications import drafts, facts
        from kontaktpflege.core.facts import on_facts_changed
        from kontaktpflege.followups.services import register_fact_provider
        from kontaktpflege.messaging.compose import register_about_provider

        register_fact_provider(facts.application_facts)
        on_facts_changed(facts.refresh_co_contacts)
        register_about_provider("application", drafts.application_about)
