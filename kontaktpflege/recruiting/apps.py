from django.apps import AppConfig


class RecruitingConfig(AppConfig):
    name = "kontaktpflege.recruiting"
    label = "recruiting"

    def ready(self) -> None:
        from kontaktpflege.recruiting import nurture

        nurture.register()  # the recruiter's call and the silver medallists' nurture
