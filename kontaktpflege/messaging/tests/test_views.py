"""The compose page, template library, outbox and sender settings over HTTP."""

import re

import pytest
from django.urls import reverse

from kontaktpflege.messaging import services
from kontaktpflege.messaging.models import MessageTemplate, OutboundMessage
from kontaktpflege.touchpoints.models import Touchpoint


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)" name="{name}"', html
    )
    return match.group(1) if match else ""


def compose_get(client, person, query=""):
    response = client.get(reverse("compose", args=[person.pk]) + query)
    assert response.status_code == 200
    return response


def form_data(response, **over):
    form = response.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def make_followup(person, key="check_in:1"):
    import datetime as dt

    from kontaktpflege.followups.models import FollowUp

    today = dt.date(2025, 3, 1)
    return FollowUp.objects.create(
        workspace=person.workspace,
        person=person,
        rule="check_in",
        key=key,
        due_on=today,
        original_due_on=today,
    )


@pytest.mark.django_db
def test_compose_prefills_the_template_for_a_followup(alice_client, julia):
    followup = make_followup(julia)
    query = f"?template=interview_thank_you&followup={followup.pk}"
    response = compose_get(alice_client, julia, query)
    html = response.content.decode()
    assert 'id="compose-form"' in html and 'name="body"' in html and 'name="notes"' in html
    assert "Sehr geehrte Frau Dr. Weber," in html
    assert f'value="{followup.pk}"' in html
    assert "interview_date" in html  # flagged as empty: the follow-up is about no application


@pytest.mark.django_db(transaction=True)
def test_send_from_a_followup_with_a_note_reaches_smtp_and_the_timeline(
    alice_client, julia, smtp_server
):
    followup = make_followup(julia)
    response = compose_get(alice_client, julia, f"?template=follow_up_72h&followup={followup.pk}")
    data = form_data(
        response, notes="Ihr Tipp mit dem Design-Sprint-Buch war Gold wert.", action="send"
    )
    response = alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert response.status_code == 302
    [received] = smtp_server.messages
    body = received.get_content()
    assert body.startswith("Sehr geehrte Frau Dr. Weber,")
    assert "Design-Sprint-Buch war Gold wert." in body
    message = OutboundMessage.objects.get()
    assert message.state == "sent" and message.followup_id == followup.pk
    page = alice_client.get(reverse("person", args=[julia.pk])).content.decode()
    assert "Schön, Sie kennengelernt zu haben" in page


@pytest.fixture
def charlies_followup(charlie):
    from kontaktpflege.contacts.services import person_create

    person = person_create(workspace=charlie.active_workspace, first_name="Eva", last_name="Fremd")
    return make_followup(person, key="check_in:charlie")


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["send", "mark_sent", "preview"])
def test_a_followup_of_another_workspace_is_not_found_and_nothing_is_created(
    alice_client, julia, charlies_followup, action
):
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(response, action=action, followup=charlies_followup.pk, channel="email")
    response = alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert response.status_code == 404
    assert not OutboundMessage.objects.exists() and not Touchpoint.objects.exists()
    query = f"?template=check_in&followup={charlies_followup.pk}"
    assert alice_client.get(reverse("compose", args=[julia.pk]) + query).status_code == 404


@pytest.mark.django_db
def test_a_followup_of_another_person_is_not_found_and_nothing_is_created(
    alice_client, julia, make_person
):
    other = make_followup(make_person(first_name="Otto"), key="check_in:otto")
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(response, action="mark_sent", followup=other.pk, channel="email")
    response = alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert response.status_code == 404
    assert not OutboundMessage.objects.exists() and not Touchpoint.objects.exists()


@pytest.mark.django_db
def test_posting_the_same_form_twice_sends_once(
    alice_client, julia, django_capture_on_commit_callbacks
):
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(response, action="send")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("compose", args=[julia.pk]), data)
        alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert OutboundMessage.objects.count() == 1
    from django.core import mail

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_edited_text_is_sent_as_written(alice_client, julia, django_capture_on_commit_callbacks):
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(response, body="Hallo Julia, ganz kurz: Kaffee am Freitag?", action="send")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert OutboundMessage.objects.get().body == "Hallo Julia, ganz kurz: Kaffee am Freitag?"


@pytest.mark.django_db
def test_notes_missing_from_an_edited_text_block_sending(alice_client, julia):
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(response, body="Selbst geschrieben.", notes="Wichtiger Hinweis", action="send")
    response = alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert response.status_code == 400
    assert "notes are not in the text" in response.content.decode()
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_preview_inserts_the_notes_and_htmx_gets_the_partial(alice_client, julia):
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(
        response, notes="Wie war die Konferenz in Lissabon?", action="preview", live="1"
    )
    response = alice_client.post(reverse("compose", args=[julia.pk]), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Wie war die Konferenz in Lissabon?" in html
    assert 'hx-swap-oob="true"' in html and "<html" not in html


@pytest.mark.django_db
def test_whatsapp_shows_a_deep_link_and_marks_as_sent(alice_client, julia, make_person):
    kim = make_person(
        first_name="Kim", last_name="Meyer", phones=["+49 170 1234567"], form_of_address="du"
    )
    response = compose_get(alice_client, kim, "?template=check_in&channel=whatsapp")
    html = response.content.decode()
    assert "https://wa.me/491701234567?text=Hallo%20Kim" in html
    data = form_data(response, action="mark_sent")
    alice_client.post(reverse("compose", args=[kim.pk]), data)
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.channel == "whatsapp" and touchpoint.source.startswith("message:")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("subject", "Hallo\r\nBcc: x@example.com", "Line breaks"),
        ("to_address", "x@example.com\r\nBcc: y@example.com", "Line breaks"),
        ("to_address", "kein-empfaenger", "not a valid email"),
        ("body", "x" * (5 * 1024 * 1024), "at most 50000"),
    ],
)
def test_bad_compose_input_is_shown_and_nothing_is_saved(alice_client, julia, field, value, error):
    response = compose_get(alice_client, julia, "?template=check_in")
    data = form_data(response, action="send", **{field: value})
    response = alice_client.post(reverse("compose", args=[julia.pk]), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not OutboundMessage.objects.exists() and not Touchpoint.objects.exists()


@pytest.mark.django_db
def test_customise_edit_and_reset_a_template(alice_client, workspace, julia):
    url = reverse("message_template", args=["check_in"])
    alice_client.post(reverse("message_template_customise", args=["check_in"]))
    assert MessageTemplate.objects.filter(workspace=workspace, key="check_in").count() == 3
    response = alice_client.post(
        url + "?variant=de_sie",
        {
            "variant": "de_sie",
            "name": "Lebenszeichen",
            "subject": "Na?",
            "body": "{{ salutation }},\n\nunser Stammtisch fehlt mir.\n\n{{ notes }}\n\n"
            "{{ signature }}",
            "action": "save",
        },
    )
    assert response.status_code == 302
    page = compose_get(alice_client, julia, "?template=check_in").content.decode()
    assert "unser Stammtisch fehlt mir." in page
    alice_client.post(reverse("message_template_reset", args=["check_in"]), {"confirm": "yes"})
    assert not MessageTemplate.objects.exists()


@pytest.mark.django_db
def test_resetting_a_template_asks_first_and_changes_nothing_until_confirmed(
    alice_client, workspace
):
    alice_client.post(reverse("message_template_customise", args=["check_in"]))
    detail = alice_client.get(reverse("message_template", args=["check_in"])).content.decode()
    reset_url = reverse("message_template_reset", args=["check_in"])
    assert f'href="{reset_url}"' in detail  # a link to the confirm page, not a bare POST form
    for response in (alice_client.get(reset_url), alice_client.post(reset_url)):
        page = response.content.decode()
        assert response.status_code == 200
        assert "Reset" in page and "cannot be undone" in page and 'name="confirm"' in page
        assert MessageTemplate.objects.filter(workspace=workspace, key="check_in").count() == 3
    response = alice_client.post(reset_url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not MessageTemplate.objects.filter(workspace=workspace).exists()


@pytest.mark.django_db
def test_deleting_an_own_template_asks_first(alice_client, workspace):
    alice_client.post(
        reverse("message_template_create"), {"name": "Eigen", "key": "eigen", "body": "Hallo"}
    )
    count = MessageTemplate.objects.filter(workspace=workspace, key="eigen").count()
    assert count == 3
    url = reverse("message_template_reset", args=["eigen"])
    page = alice_client.get(url).content.decode()
    assert "Delete the template" in page and "Eigen" in page
    assert MessageTemplate.objects.filter(workspace=workspace, key="eigen").count() == count
    alice_client.post(url, {"confirm": "yes"})
    assert not MessageTemplate.objects.filter(workspace=workspace, key="eigen").exists()


@pytest.mark.django_db
def test_sending_an_uncertain_message_again_asks_first(alice_client, alice, workspace, julia):
    import datetime as dt

    from django.utils import timezone

    message = services.message_queue_email(
        workspace=workspace,
        person=julia,
        user=alice,
        to_address="julia.weber@example.com",
        subject="Hallo",
        body="Hallo Julia",
        idempotency_key=services.new_idempotency_key(),
    )
    OutboundMessage.objects.filter(pk=message.pk).update(
        state="failed", data_started_at=timezone.now() - dt.timedelta(hours=1), last_error="?"
    )
    outbox_page = alice_client.get(reverse("outbox")).content.decode()
    url = reverse("outbox_retry", args=[message.pk])
    assert f'href="{url}"' in outbox_page
    for response in (alice_client.get(url), alice_client.post(url)):
        page = response.content.decode()
        assert response.status_code == 200 and "julia.weber@example.com" in page
        assert "may already have accepted" in page and 'name="confirm"' in page
        message.refresh_from_db()
        assert message.state == "failed"
    assert alice_client.post(url, {"confirm": "yes"}).status_code == 302
    message.refresh_from_db()
    assert message.state == "queued"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Hallo {% if %}", "Line 1"),
        ("eins\nzwei\n{{ ''.__class__.__mro__ }}", "cannot be used"),
        (
            "{% for a in range(5000) %}{% for b in range(5000) %}{% endfor %}{% endfor %}",
            "loops too often",
        ),
        ("x" * 5_000_000, "at most"),
    ],
)
def test_bad_templates_are_refused_and_the_saved_text_is_unchanged(
    alice_client, workspace, body, shown
):
    alice_client.post(reverse("message_template_customise", args=["check_in"]))
    before = MessageTemplate.objects.get(workspace=workspace, key="check_in", variant="de_sie").body
    url = reverse("message_template", args=["check_in"]) + "?variant=de_sie"
    response = alice_client.post(
        url, {"variant": "de_sie", "name": "X", "subject": "", "body": body, "action": "save"}
    )
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert (
        MessageTemplate.objects.get(workspace=workspace, key="check_in", variant="de_sie").body
        == before
    )


@pytest.mark.django_db
def test_a_new_own_template_can_be_created_and_used(alice_client, workspace):
    alice_client.post(
        reverse("message_template_create"), {"name": "Messe-Nachfass", "key": "messe"}
    )
    assert MessageTemplate.objects.filter(workspace=workspace, key="messe").count() == 3
    page = alice_client.get(reverse("message_templates")).content.decode()
    assert "Messe-Nachfass" in page


@pytest.mark.django_db
def test_pages_render(alice_client, julia):
    for url in (
        reverse("message_templates"),
        reverse("outbox"),
        reverse("sender_settings"),
        reverse("message_template", args=["rejection_personal"]) + "?variant=en",
    ):
        assert alice_client.get(url).status_code == 200
    assert (
        'id="write-message"'
        in alice_client.get(reverse("person", args=[julia.pk])).content.decode()
    )


@pytest.mark.django_db
def test_sender_settings_are_saved_and_bad_addresses_refused(alice_client, alice, workspace):
    from kontaktpflege.accounts.services import email_confirm, email_confirmation_token

    email_confirm(token=email_confirmation_token(alice))
    url = reverse("sender_settings")
    alice_client.post(
        url,
        {
            "from_name": "Alice",
            "from_email": "alice@example.org",
            "reply_to": "",
            "company": "Adler AG",
            "signature": "Alice Adler\nAdler AG",
        },
    )
    from kontaktpflege.messaging.selectors import sender_settings_for

    assert sender_settings_for(workspace=workspace, user=alice).company == "Adler AG"
    response = alice_client.post(
        url,
        {
            "from_name": "Alice",
            "from_email": "kaputt",
            "reply_to": "",
            "company": "Neu",
            "signature": "",
        },
    )
    assert "not a valid email" in response.content.decode()
    assert sender_settings_for(workspace=workspace, user=alice).company == "Adler AG"


@pytest.mark.django_db
def test_a_from_address_that_is_not_yours_is_refused_on_the_sender_page(
    alice_client, alice, workspace
):
    from kontaktpflege.messaging.selectors import sender_settings_for

    response = alice_client.post(
        reverse("sender_settings"),
        {
            "from_name": "Der Chef",
            "from_email": "ceo@bank.example",
            "reply_to": "",
            "company": "Bank",
            "signature": "",
        },
    )
    assert response.status_code == 200
    assert "only send as your own confirmed address" in response.content.decode()
    assert sender_settings_for(workspace=workspace, user=alice).company == ""


@pytest.mark.django_db
def test_charlie_gets_404_on_everything_of_alices(
    charlie_client, alice, alice_client, workspace, julia
):
    alice_client.post(reverse("message_templates"))
    alice_client.post(reverse("message_template_create"), {"name": "Eigen", "key": "eigen"})
    message = services.message_mark_sent(
        workspace=workspace,
        person=julia,
        user=alice,
        channel="call",
        subject="",
        body="Telefonat",
        idempotency_key=services.new_idempotency_key(),
    )
    OutboundMessage.objects.filter(pk=message.pk).update(state="failed")
    assert charlie_client.get(reverse("compose", args=[julia.pk])).status_code == 404
    assert (
        charlie_client.post(reverse("compose", args=[julia.pk]), {"action": "send"}).status_code
        == 404
    )
    assert charlie_client.get(reverse("message_template", args=["eigen"])).status_code == 404
    for method in (charlie_client.get, charlie_client.post):
        reset = reverse("message_template_reset", args=["eigen"])
        assert method(reset, {"confirm": "yes"}).status_code == 404
        retry = reverse("outbox_retry", args=[message.pk])
        assert method(retry, {"confirm": "yes"}).status_code == 404
    assert "Telefonat" not in charlie_client.get(reverse("outbox")).content.decode()
    assert MessageTemplate.objects.filter(key="eigen").count() == 3


@pytest.mark.django_db
def test_a_viewer_cannot_compose(client, alice, workspace, julia, django_user_model):
    from kontaktpflege.accounts.services import membership_add

    viewer = django_user_model.objects.create_user(
        username="v", email="v@example.org", password="pw-v-12345"
    )
    membership_add(workspace=workspace, user=viewer, role="viewer")
    viewer.active_workspace = workspace
    viewer.save(update_fields=["active_workspace"])
    client.force_login(viewer)
    assert client.post(reverse("compose", args=[julia.pk]), {"action": "send"}).status_code == 403


@pytest.mark.django_db
def test_the_channel_button_shows_the_channel_label_not_its_raw_value(
    alice_client, bob_client, make_person
):
    nina = make_person(first_name="Nina", linkedin_url="https://www.linkedin.com/in/nina")
    query = "?template=check_in&channel=linkedin"
    english = compose_get(alice_client, nina, query).content.decode()
    assert "Open LinkedIn" in english and "Open linkedin" not in english
    german = compose_get(bob_client, nina, query).content.decode()
    assert "LinkedIn öffnen" in german


@pytest.mark.django_db
def test_the_variable_help_example_is_translated(bob_client, julia):
    page = compose_get(bob_client, julia, "?template=check_in").content.decode()
    assert "{% if organisation %} bei {{ organisation }}{% endif %}" in page
    assert " at {{ organisation }}" not in page
