from django.apps import AppConfig


class RecruitingConfig(AppConfig):
    name = "kontaktpflege.recruiting"
    label = "recruiting"
