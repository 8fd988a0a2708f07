from django.apps import AppConfig


class RecruitingConfig(AppConfig):
    name = "kontaktpflege.recruiting"
    label = "recruiting"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_facts_changed
        from kontaktpflege.recruiting import cv, nurture
        from kontaktpflege.recruiting.tags import tags_on_cv_extracted, tags_on_facts_changed

        nurture.register()  # the recruiter's call and the silver medallists' nurture
        on_facts_changed(tags_on_facts_changed)  # notes changed → the tag pass (worker)
        if tags_on_cv_extracted not in cv.EXTRACTED_HOOKS:
            cv.EXTRACTED_HOOKS.append(tags_on_cv_extracted)  # a CV was read → its tags
