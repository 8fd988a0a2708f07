from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "kontaktpflege.applications"
    label = "applications"

    def ready(self) -> None:
        from kontaktpflege.applications import activation, conversations, drafts, facts
        from kontaktpflege.core.facts import on_facts_changed
        from kontaktpflege.followups.services import register_fact_provider

        register_fact_provider(facts.application_facts)
        on_facts_changed(facts.refresh_co_contacts)
        conversations.register()  # conversation facts for the engine
        activation.register()  # a conversation logged anywhere completes the activation
        drafts.register()  # variables of drafts about applications, conversations, activations
