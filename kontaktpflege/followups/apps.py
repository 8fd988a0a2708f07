from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "kontaktpflege.followups"
    label = "followups"
