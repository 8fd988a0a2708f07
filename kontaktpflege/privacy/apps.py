from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kontaktpflege.privacy"
    label = "privacy"

    def ready(self) -> None:
        from kontaktpflege.core.facts import on_people_deleting
        from kontaktpflege.followups.services import register_person_excluder
        from kontaktpflege.messaging.delivery import register_send_guard
        from kontaktpflege.privacy.campaigns import campaign_send_guard
        from kontaktpflege.privacy.dsr import refuse_delete_while_open
        from kontaktpflege.privacy.retention import anonymised_among
        from kontaktpflege.privacy.services import pool_invitation_url
        from kontaktpflege.recruiting.rejections import register_pool_invitation_url

        # A silver medallist's rejection carries the double opt-in link to the talent pool.
        register_pool_invitation_url(pool_invitation_url)
        # Nothing is deleted while a data subject request or a legal hold is open.
        on_people_deleting(refuse_delete_while_open)
        # An anonymised person gets no follow-up again (no keep-in-touch, no reactivation).
        register_person_excluder(anonymised_among)
        # A campaign mail waiting in the outbox is not sent once its consent is withdrawn.
        register_send_guard(campaign_send_guard)
