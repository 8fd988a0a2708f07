"""The public pages (no account): sign-up, confirmation, withdrawal; and bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kontaktpflege.contacts.models import Person
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy import services
from kontaktpflege.privacy.models import AuditEvent, ConsentRecord, Purpose, RecordKind, Source
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.privacy.tests.conftest import last_mail, links
from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def form(**over):
    data = {
        "name": "Mara Stern",
        "email": "mara@example.com",
        "interests": "Data engineering, Python",
        "career_level": "senior",
        "job_type": "full_time",
        "agree": "on",
        "website": "",
    }
    data.update(over)
    return data


def counts():
    return (
        Person.objects.count(),
        ConsentRecord.objects.count(),
        OutboundMessage.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_sign_up_page_shows_the_versioned_notice_under_a_strict_csp(client, pool):
    response = client.get(f"/pool/{pool.public_key}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Join the talent pool of Acme Recruiting" in html
    assert "default-1" in html and "Privacy notice of Acme Recruiting" in html
    assert "keeps my details in its talent pool for 24 months" in html
    assert_strict_csp(response)
    assert inline_problems(html) == []
    assert client.get(f"/pool/{pool.public_key}/privacy/").status_code == 200


def test_a_published_notice_is_shown_in_its_language_with_its_version(client, pool, workspace):
    services.privacy_notice_publish(workspace=workspace, language="de", text="Unser Hinweis v1")
    services.privacy_notice_publish(workspace=workspace, language="de", text="Unser Hinweis v2")
    html = client.get(f"/pool/{pool.public_key}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Unser Hinweis v2" in html and "v2" in html and "Talentpool" in html
    client.post(f"/pool/{pool.public_key}/", form(), HTTP_ACCEPT_LANGUAGE="de")
    request = ConsentRecord.objects.get()
    assert request.notice_version == "v2" and request.language == "de"
    assert "in seinem Talentpool speichert" in request.consent_text


def test_an_unknown_or_closed_sign_up_address_is_404(client, pool):
    assert client.get("/pool/nope/").status_code == 404
    pool.signup_enabled = False
    pool.save(update_fields=["signup_enabled"])
    assert client.get(f"/pool/{pool.public_key}/").status_code == 404


def test_a_sign_up_sends_a_double_opt_in_and_grants_nothing_before_the_click(client, pool):
    response = client.post(f"/pool/{pool.public_key}/", form())
    assert response.status_code == 302
    assert response["Location"] == f"/pool/{pool.public_key}/thanks/"
    person = Person.objects.get(emails__email="mara@example.com")
    assert (person.first_name, person.last_name) == ("Mara", "Stern")
    assert consent_status(person=person, purpose=Purpose.TALENT_POOL).state == "requested"
    mail = last_mail("mara@example.com")
    assert "Mara" not in mail.body  # the mail repeats nothing a stranger typed
    assert "confirm" in links(mail.body) and "withdraw" in links(mail.body)
    assert "Data engineering" not in person.notes  # applied only after the click

    token = links(mail.body)["confirm"]
    page = client.get(f"/consent/confirm/{token}/")
    assert page.status_code == 200 and b"Yes, I agree" in page.content
    assert not ConsentRecord.objects.filter(kind=RecordKind.GRANT).exists()  # GET writes nothing
    assert_strict_csp(page)
    done = client.post(f"/consent/confirm/{token}/")
    assert done.status_code == 200 and b"your consent is confirmed" in done.content
    person.refresh_from_db()
    assert "Data engineering, Python" in person.notes
    assert person.candidate.career_level == "senior" and person.candidate.job_type == "full_time"
    assert person.candidate.consent_state == "granted"


def test_every_kind_of_address_gets_the_same_answer_and_a_fresh_double_opt_in(
    client, pool, make_person, alice
):
    known = make_person(first_name="Kai", last_name="Kern", emails=["kai@example.com"])
    services.consent_record_by_recruiter(
        person=known, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Agreed at the fair"
    )
    gone = make_person(first_name="Gina", last_name="Gold", emails=["gina@example.com"])
    services.consent_record_by_recruiter(
        person=gone, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Agreed by phone call"
    )
    services.consent_withdraw(person=gone, purpose=Purpose.TALENT_POOL, channel="recruiter")

    answers = []
    for email in ("new@example.com", "kai@example.com", "gina@example.com"):
        response = client.post(f"/pool/{pool.public_key}/", form(name="Fake Name", email=email))
        answers.append((response.status_code, response["Location"]))
        follow = client.get(response["Location"])
        # The page is the same but for the per-response CSRF token mask.
        answers.append((follow.status_code, CSRF.sub("", follow.content.decode())))
        assert last_mail(email).template_key == "privacy_consent_request"
    assert answers[0] == answers[2] == answers[4] and answers[1] == answers[3] == answers[5]

    gone.refresh_from_db()
    assert gone.first_name == "Gina"  # a stranger's name does not overwrite a known person
    assert consent_status(person=gone, purpose=Purpose.TALENT_POOL).state == "requested"
    assert gone.candidate.consent_state == "requested"
    assert not ConsentRecord.objects.filter(person=gone, kind=RecordKind.GRANT, source="form")
    client.post(f"/consent/confirm/{links(last_mail('gina@example.com').body)['confirm']}/")
    assert consent_status(person=gone, purpose=Purpose.TALENT_POOL).state == "granted"


def test_a_filled_honeypot_looks_accepted_and_nothing_is_stored_or_sent(client, pool):
    before = counts()
    response = client.post(f"/pool/{pool.public_key}/", form(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == f"/pool/{pool.public_key}/thanks/"
    assert counts() == before


def test_200_sign_ups_from_one_address_in_a_minute_are_throttled_after_the_limit(client, pool):
    statuses = []
    with time_machine.travel(timezone.now(), tick=False):
        for i in range(200):
            response = client.post(f"/pool/{pool.public_key}/", form(email=f"bot{i}@example.com"))
            statuses.append(response.status_code)
    assert statuses[:10] == [302] * 10
    assert set(statuses[10:]) == {429}
    assert OutboundMessage.objects.count() == 10 and ConsentRecord.objects.count() == 10
    assert response["Retry-After"]
    assert b"Too many attempts" in response.content


def test_one_address_cannot_be_mailed_over_and_over(client, pool):
    for i in range(5):
        client.post(f"/pool/{pool.public_key}/", form(), REMOTE_ADDR=f"10.0.0.{i}")
    assert OutboundMessage.objects.filter(to_address="mara@example.com").count() == 3


@pytest.mark.parametrize(
    "name",
    ["Zoë <script>alert(1)</script>", "Robert'); DROP TABLE contacts_person;--", "‮evil‬ Name"],
)
def test_hostile_names_are_kept_as_text_and_never_mailed(client, pool, name):
    response = client.post(f"/pool/{pool.public_key}/", form(name=name))
    assert response.status_code == 302
    person = Person.objects.get(emails__email="mara@example.com")
    assert f"{person.first_name} {person.last_name}".strip() == name
    assert name.split()[-1] not in last_mail("mara@example.com").body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Mara\x00Stern"),
        ("name", "Mara\nBcc: victim@example.com"),
        ("name", "x" * 201),
        ("name", ""),
        ("email", "not-an-address"),
        ("email", "mara@example.com\r\nBcc: x@example.com"),
        ("interests", "a\x07b"),
        ("agree", ""),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, pool, field, value):
    before = counts()
    response = client.post(f"/pool/{pool.public_key}/", form(**{field: value}))
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content or b"alert-danger" in response.content
    assert counts() == before


@pytest.fixture
def mail_links(client, pool):
    client.post(f"/pool/{pool.public_key}/", form())
    return links(last_mail("mara@example.com").body)


@pytest.mark.parametrize(
    ("kind", "mangle", "status"),
    [
        ("confirm", lambda t: t[:-3] + "abc", 400),
        ("confirm", lambda t: "eyJuIjoiMSJ9:1w5K5o:forged", 400),
        ("withdraw", lambda t: t[:-3] + "abc", 400),
        ("withdraw", lambda t: t.split(":")[0] + ":1w5K5o:x", 400),
    ],
)
def test_tampered_links_show_a_clear_page_and_change_nothing(
    client, mail_links, kind, mangle, status
):
    before = counts()
    response = client.post(f"/consent/{kind}/{mangle(mail_links[kind])}/")
    assert response.status_code == status
    assert (
        b"This link cannot be used" in response.content
        and b"Nothing was changed" in response.content
    )
    assert counts() == before


def test_an_expired_confirmation_link_shows_a_page_and_changes_nothing(client, pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(f"/pool/{pool.public_key}/", form())
    token = links(last_mail("mara@example.com").body)["confirm"]
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        before = counts()
        response = client.post(f"/consent/confirm/{token}/")
        assert response.status_code == 410 and b"expired" in response.content
        assert counts() == before


def test_replayed_links_show_a_clear_page_and_change_nothing(client, mail_links):
    assert client.post(f"/consent/confirm/{mail_links['confirm']}/").status_code == 200
    assert client.post(f"/consent/withdraw/{mail_links['withdraw']}/").status_code == 200
    before = counts()
    for kind in ("confirm", "withdraw"):
        response = client.post(f"/consent/{kind}/{mail_links[kind]}/")
        assert response.status_code == 410 and b"used already" in response.content
    assert counts() == before
    person = Person.objects.get(emails__email="mara@example.com")
    assert consent_status(person=person, purpose=Purpose.TALENT_POOL).state == "withdrawn"


def test_the_mail_programs_one_click_unsubscribe_works_without_a_csrf_token(mail_links):
    strict = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    page = strict.get(f"/consent/withdraw/{mail_links['withdraw']}/")
    assert page.status_code == 200 and b"Withdraw" in page.content
    assert not ConsentRecord.objects.filter(kind=RecordKind.WITHDRAWAL).exists()
    response = strict.post(
        f"/consent/withdraw/{mail_links['withdraw']}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert ConsentRecord.objects.get(kind=RecordKind.WITHDRAWAL).channel == "one_click"


def test_a_person_of_another_workspace_cannot_be_withdrawn_by_a_forged_payload(
    client, pool, charlie
):
    from kontaktpflege.contacts.services import person_create
    from kontaktpflege.privacy.tokens import withdraw_token_make

    other = person_create(workspace=charlie.active_workspace, first_name="Olga", emails=["o@x.de"])
    services.consent_request(person=other, purpose=Purpose.TALENT_POOL, source=Source.FORM)
    # A correctly signed token whose workspace does not match the person's is refused.
    token = withdraw_token_make(
        workspace_id=pool.workspace_id, person_id=other.pk, purpose="talent_pool"
    )
    before = counts()
    assert client.post(f"/consent/withdraw/{token}/").status_code == 400
    assert counts() == before
