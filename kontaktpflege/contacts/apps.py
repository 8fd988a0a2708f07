from typing import Any

from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "kontaktpflege.contacts"
    label = "contacts"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_workspace_created

        on_workspace_created(_add_own_node)


def _add_own_node(workspace: Any, user: Any) -> None:
    """A new workspace gets its user's own node (the centre of their network graph)."""
    from kontaktpflege.contacts.services import person_create_self

    person_create_self(workspace=workspace, user=user)
