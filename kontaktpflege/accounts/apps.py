from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kontaktpflege.accounts"
    label = "accounts"
