from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "kontaktpflege.contacts"
    label = "contacts"
