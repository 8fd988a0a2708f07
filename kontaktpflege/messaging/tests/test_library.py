"""Every shipped template renders in all three variants with realistic data."""

import pytest

from kontaktpflege.messaging.compose import draft_for
from kontaktpflege.messaging.library import (
    KNOWN_VARIABLES,
    TEMPLATE_FOR_RULE,
    VARIANTS,
    shipped_templates,
)
from kontaktpflege.messaging.render import template_variables
from kontaktpflege.messaging.selectors import sender_settings_for

REQUIRED = {
    "follow_up_72h",
    "interview_thank_you",
    "status_inquiry",
    "feedback_request",
    "conversation_thanks",
    "check_in",
    "share_article",
    "congrats_promotion",
    "congrats_new_job",
    "congrats_birthday",
    "congrats_anniversary",
    "reactivation",
    "group_invitation",
    "rejection_personal",
    "rejection_automated",
    "talent_pool_invitation",
    "nurture_update",
    "consent_renewal",
    "activation_opener",
    "connect_others",
}
GREETING = {
    ("f", "de_sie"): "Sehr geehrte Frau Dr. Weber,",
    ("m", "de_sie"): "Sehr geehrter Herr Schmidt,",
    ("", "de_sie"): "Guten Tag Kim Meyer,",
    ("f", "de_du"): "Liebe Julia,",
    ("m", "de_du"): "Lieber Thomas,",
    ("", "de_du"): "Hallo Kim,",
    ("f", "en"): "Dear Dr Weber,",
    ("m", "en"): "Dear Mr Schmidt,",
    ("", "en"): "Dear Kim Meyer,",
}
PEOPLE = {
    "f": {"first_name": "Julia", "last_name": "Weber", "gender": "f", "academic_title": "Dr."},
    "m": {"first_name": "Thomas", "last_name": "Schmidt", "gender": "m"},
    "": {"first_name": "Kim", "last_name": "Meyer", "gender": ""},
}


def test_the_library_has_every_template_the_issue_asks_for():
    assert set(shipped_templates()) >= REQUIRED
    assert set(TEMPLATE_FOR_RULE.values()) <= set(shipped_templates())


# Templates whose variables come from what the message is about (rendered in their app's tests).
ABOUT_TEMPLATES = {"introduction_request"}


def test_the_library_has_the_templates_that_need_what_a_message_is_about():
    assert set(shipped_templates()) >= ABOUT_TEMPLATES


@pytest.mark.parametrize("key", sorted(REQUIRED | ABOUT_TEMPLATES))
def test_every_variant_uses_only_documented_variables_and_marks_the_notes(key):
    for variant in VARIANTS:
        text = shipped_templates()[key].variants[variant]
        used = template_variables(text.subject) | template_variables(text.body)
        assert used <= KNOWN_VARIABLES, (key, variant, used - KNOWN_VARIABLES)
        assert "notes" in used and "salutation" in used and "signature" in used


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(REQUIRED))
@pytest.mark.parametrize("gender", ["f", "m", ""])
def test_every_shipped_template_renders_in_all_variants_with_the_right_greeting(
    key, gender, alice, workspace, make_person
):
    from kontaktpflege.touchpoints.services import touchpoint_log

    person = make_person(**PEOPLE[gender], job_title="Head of Design")
    touchpoint_log(workspace=workspace, participants=[person], summary="Design Thinking im Team")
    sender = sender_settings_for(workspace=workspace, user=alice)
    for variant in VARIANTS:
        draft = draft_for(
            workspace=workspace,
            person=person,
            user=alice,
            sender=sender,
            template_key=key,
            variant=variant,
            notes="Der Link zum Artikel über Design Sprints: https://example.org/a",
        )
        assert draft.ok, (key, variant, draft.error)
        assert draft.body.startswith(GREETING[(gender, variant)]), draft.body[:60]
        assert "https://example.org/a" in draft.body
        assert draft.body.rstrip().endswith("Alice Adler")
        assert draft.subject and "{" not in draft.subject and "{" not in draft.body
        assert "None" not in draft.body and "  " not in draft.body
        assert "\n\n\n" not in draft.body
        assert not draft.undefined


@pytest.mark.django_db
def test_application_variables_stay_empty_and_flagged_in_a_message_about_nothing(
    alice, workspace, julia
):
    draft = draft_for(
        workspace=workspace,
        person=julia,
        user=alice,
        sender=sender_settings_for(workspace=workspace, user=alice),
        template_key="interview_thank_you",
        variant="de_sie",
        notes="",
    )
    assert {"interview_date", "application_position"} <= set(draft.empty)
    assert not draft.unavailable and not draft.undefined
    assert (
        "vielen Dank für das Gespräch und die offenen Einblicke in die Arbeit bei Acme GmbH."
        in draft.body
    )
