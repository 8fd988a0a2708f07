"""The recruiting area: settings, openings, the board, candidacies, CVs; roles and isolation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    Opening,
    PipelineStage,
    RejectionReason,
    StageMove,
    StageNote,
)
from kontaktpflege.recruiting.services import candidacy_create, opening_create
from kontaktpflege.recruiting.tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def recruiting(workspace):
    from kontaktpflege.recruiting.services import recruiting_switch

    return recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)


@pytest.fixture
def opening(recruiting, workspace, alice):
    return opening_create(workspace=workspace, created_by=alice, title="Data Engineer (m/w/d)")


@pytest.fixture
def candidacy(opening, make_person):
    person = make_person(first_name="Jana", last_name="Becker", emails=["jana@example.com"])
    return candidacy_create(opening=opening, person=person, source="LinkedIn")


@pytest.fixture
def stage(workspace):
    return lambda key: PipelineStage.objects.get(workspace=workspace, key=key)


@pytest.fixture
def viewer_client(workspace, django_user_model, client):
    from kontaktpflege.accounts.services import membership_add

    viewer = django_user_model.objects.create_user("vera", "vera@example.org", "pw-vera-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    viewer.active_workspace = workspace
    viewer.save(update_fields=["active_workspace"])
    client.force_login(viewer)
    return client


def _snapshot():
    return (
        list(Opening.objects.order_by("pk").values()),
        list(Candidacy.objects.order_by("pk").values()),
        StageMove.objects.count(),
        StageNote.objects.count(),
        CandidateDocument.objects.count(),
        list(PipelineStage.objects.order_by("pk").values()),
        list(RejectionReason.objects.order_by("pk").values()),
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- switching on and the navigation -----------------------------------------------------


def test_the_recruiting_entry_appears_only_when_switched_on(alice_client, workspace):
    page = alice_client.get("/").content.decode()
    assert 'href="/recruiting/"' not in page
    assert alice_client.get("/recruiting/").status_code == 302  # to the settings
    response = alice_client.post(
        "/recruiting/settings/", {"enabled": "on", "job_seeker_areas": "on"}, follow=True
    )
    assert response.status_code == 200
    page = alice_client.get("/").content.decode()
    assert 'href="/recruiting/"' in page
    assert 'href="/applications/"' in page


def test_a_team_workspace_can_leave_out_the_job_seeker_areas(alice_client, workspace):
    alice_client.post("/recruiting/settings/", {"enabled": "on"})
    page = alice_client.get("/").content.decode()
    nav = page.split('id="main-nav"')[1].split("</ul>")[0]
    assert 'href="/recruiting/"' in nav
    assert 'href="/applications/"' not in nav and 'href="/conversations/"' not in nav
    assert 'href="/people/"' in nav


def test_the_settings_page_offers_recruiting_with_the_default_pipeline(alice_client, recruiting):
    page = alice_client.get("/recruiting/settings/").content.decode()
    assert "Final interview" in page and "Personal rejection from stage" in page
    assert "Another candidate matched the profile more closely" in page


# --- openings ----------------------------------------------------------------------------


def test_the_openings_list_has_an_empty_state(alice_client, recruiting):
    page = alice_client.get("/recruiting/").content.decode()
    assert "No openings yet" in page
    assert 'href="/recruiting/openings/new/"' in page


def test_the_openings_list_is_paginated_filtered_by_status_and_counts_candidacies(
    alice_client, workspace, candidacy, django_assert_max_num_queries
):
    for i in range(30):
        opening_create(workspace=workspace, title=f"Stelle {i:02d}", status="closed")
    with django_assert_max_num_queries(10):
        first = alice_client.get("/recruiting/").content.decode()
    assert "Page 1 of 2" in first
    second = alice_client.get("/recruiting/?page=2").content.decode()
    assert "Data Engineer" in second  # the oldest, last
    only_open = alice_client.get("/recruiting/?status=open").content.decode()
    assert "Data Engineer" in only_open and "Stelle 00" not in only_open
    assert '<td data-label="Candidates">1</td>' in only_open
    assert (
        "No openings with this status"
        in alice_client.get("/recruiting/?status=filled").content.decode()
    )
    assert alice_client.get("/recruiting/?status=bogus&page=x").status_code == 200


def test_an_opening_is_created_and_edited(alice_client, recruiting):
    response = alice_client.post(
        "/recruiting/openings/new/",
        {
            "title": "Buchhalter:in",
            "skills": "DATEV, Buchhaltung",
            "career_level": "senior",
            "location": "Köln",
            "work_mode": "remote",
            "job_type": "part_time",
            "status": "open",
        },
    )
    opening = Opening.objects.get()
    assert response.status_code == 302 and response.url == f"/recruiting/openings/{opening.pk}/"
    assert opening.skills == ["DATEV", "Buchhaltung"]
    form = alice_client.get(f"/recruiting/openings/{opening.pk}/edit/").content.decode()
    assert 'value="DATEV, Buchhaltung"' in form
    data = {"title": "Buchhalter:in (m/w/d)", "work_mode": "hybrid", "job_type": "full_time"}
    alice_client.post(f"/recruiting/openings/{opening.pk}/edit/", {**data, "status": "on_hold"})
    opening.refresh_from_db()
    assert (opening.title, opening.status, opening.skills) == (
        "Buchhalter:in (m/w/d)",
        "on_hold",
        [],
    )


def test_a_bad_opening_shows_the_errors_and_saves_nothing(alice_client, recruiting):
    response = alice_client.post(
        "/recruiting/openings/new/",
        {"title": " ", "work_mode": "space", "job_type": "full_time", "status": "open"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"title", "work_mode"}
    assert not Opening.objects.exists()


def test_the_opening_page_groups_candidacies_by_stage_with_a_move_form_per_card(
    alice_client, candidacy, stage, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        page = alice_client.get(f"/recruiting/openings/{candidacy.opening_id}/").content.decode()
    assert f'id="candidacy-{candidacy.pk}"' in page
    assert f'action="/recruiting/candidacies/{candidacy.pk}/move/"' in page
    assert f'<option value="{stage("rejected").pk}"' not in page  # rejecting needs a reason
    applied = page.split('data-stage="applied"')[1].split("</section>")[0]
    assert "Jana Becker" in applied


def test_the_opening_page_finds_candidates_by_their_cv_text(alice_client, candidacy):
    CandidateDocument.objects.create(
        workspace=candidacy.workspace,
        person=candidacy.person,
        candidacy=candidacy,
        original_name="cv.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        state="done",
        text="Erfahrung mit Apache Airflow",
    )
    url = f"/recruiting/openings/{candidacy.opening_id}/"
    assert "Jana Becker" in alice_client.get(url, {"q": "airflow"}).content.decode()
    page = alice_client.get(url, {"q": "kafka"}).content.decode()
    assert "Jana Becker" not in page and "No candidate matches the search" in page


# --- candidates and moves ----------------------------------------------------------------


def test_a_new_candidate_is_added_and_a_hostile_name_is_shown_as_text(alice_client, opening):
    response = alice_client.post(
        f"/recruiting/openings/{opening.pk}/candidates/new/",
        {"kind": "new", "first_name": "<script>alert(1)</script>", "email": "x@example.com"},
    )
    assert response.status_code == 302
    candidacy = Candidacy.objects.get()
    page = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_someone_in_the_contacts_is_found_and_added(alice_client, opening, make_person):
    anna = make_person(first_name="Annegret", last_name="Vogel")
    url = f"/recruiting/openings/{opening.pk}/candidates/new/"
    assert "Annegret Vogel" in alice_client.get(url, {"q": "Annegret"}).content.decode()
    alice_client.post(url, {"kind": "existing", "person": anna.pk, "source": "Empfehlung"})
    candidacy = Candidacy.objects.get()
    assert (candidacy.person, candidacy.source) == (anna, "Empfehlung")
    before = _snapshot()
    response = alice_client.post(url, {"kind": "existing", "person": anna.pk}, follow=True)
    assert "already a candidate" in _messages(response)
    assert _snapshot() == before


def test_a_person_of_another_workspace_cannot_be_added(alice_client, opening, charlie):
    from kontaktpflege.contacts.services import person_create

    eve = person_create(workspace=charlie.active_workspace, first_name="Eve")
    before = _snapshot()
    response = alice_client.post(
        f"/recruiting/openings/{opening.pk}/candidates/new/",
        {"kind": "existing", "person": eve.pk},
        follow=True,
    )
    assert "Choose a person of this workspace" in _messages(response)
    assert _snapshot() == before


def test_a_move_from_the_board_records_history_shown_on_the_candidacy_page(
    alice_client, candidacy, stage
):
    response = alice_client.post(
        f"/recruiting/candidacies/{candidacy.pk}/move/",
        {"stage": stage("final_interview").pk, "back": "board"},
    )
    assert response.url == f"/recruiting/openings/{candidacy.opening_id}/#candidacy-{candidacy.pk}"
    candidacy.refresh_from_db()
    assert candidacy.stage == stage("final_interview")
    page = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    history = page.split('id="stage-history"')[1].split("</ol>")[0]
    assert "added at Applied" in history and "Applied → Final interview" in history


def test_moving_to_a_stage_of_another_workspace_is_refused(alice_client, candidacy, charlie, stage):
    from kontaktpflege.recruiting.services import recruiting_switch

    recruiting_switch(workspace=charlie.active_workspace, enabled=True)
    foreign = PipelineStage.objects.get(workspace=charlie.active_workspace, key="offer")
    before = _snapshot()
    for value in (foreign.pk, "x", stage("rejected").pk):
        response = alice_client.post(
            f"/recruiting/candidacies/{candidacy.pk}/move/", {"stage": value}, follow=True
        )
        assert response.status_code == 200
        assert "Choose one of the stages" in _messages(response) or "reason" in _messages(response)
    assert _snapshot() == before


def test_a_note_with_a_rating_is_kept_for_the_current_stage(alice_client, candidacy):
    url = f"/recruiting/candidacies/{candidacy.pk}/note/"
    alice_client.post(url, {"text": "Überzeugt im <b>Telefonat</b>", "rating": "4"})
    note = StageNote.objects.get()
    assert (note.stage_id, note.rating) == (candidacy.stage_id, 4)
    page = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert "Überzeugt im &lt;b&gt;Telefonat&lt;/b&gt;" in page and "rated 4.0 of 5" in page
    before = _snapshot()
    for bad in ({"text": "", "rating": ""}, {"text": "x", "rating": "9"}):
        response = alice_client.post(url, bad, follow=True)
        assert _messages(response)
    assert _snapshot() == before


# --- CVs ---------------------------------------------------------------------------------


def test_a_cv_is_uploaded_read_and_listed_with_its_state(
    alice_client, candidacy, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("Lebenslauf Jana.pdf", pdf_bytes("Python Airflow dbt"))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            f"/recruiting/candidacies/{candidacy.pk}/cv/", {"file": upload}
        )
    assert response.status_code == 302
    document = CandidateDocument.objects.get()
    assert document.state == "done" and "Airflow" in document.text
    page = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert "Lebenslauf Jana.pdf" in page and "Read" in page
    download = alice_client.get(f"/recruiting/documents/{document.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_cv_download_names_the_file_in_utf8_beside_an_ascii_name(
    alice_client, candidacy, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("Lebenslauf Jürgen.html", pdf_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/recruiting/candidacies/{candidacy.pk}/cv/", {"file": upload})
    document = CandidateDocument.objects.get()
    download = alice_client.get(f"/recruiting/documents/{document.pk}/")
    assert download["Content-Disposition"] == (
        'attachment; filename="Lebenslauf Jurgen.html.pdf"; '
        "filename*=UTF-8''Lebenslauf%20J%C3%BCrgen.html.pdf"
    )
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 an exe named cv.pdf", "not a PDF or DOCX"),
        (pdf_bytes(password="geheim"), "encrypted"),
        (b"%PDF-1.4\n\x00\x00garbage", "damaged"),
    ],
)
def test_a_bad_cv_gets_a_clear_message_and_nothing_is_stored(
    alice_client, candidacy, data, message
):
    before = _snapshot()
    response = alice_client.post(
        f"/recruiting/candidacies/{candidacy.pk}/cv/",
        {"file": SimpleUploadedFile("cv.pdf", data)},
        follow=True,
    )
    assert message in _messages(response)
    assert _snapshot() == before


def test_a_50_mb_cv_is_refused_by_its_length_before_the_body_is_read(
    alice_client, candidacy, settings
):
    big = SimpleUploadedFile("cv.pdf", b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024))
    before = _snapshot()
    response = alice_client.post(
        f"/recruiting/candidacies/{candidacy.pk}/cv/", {"file": big}, follow=True
    )
    assert "a CV may have at most 10 MB" in _messages(response)
    assert _snapshot() == before
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


# --- settings ----------------------------------------------------------------------------


def test_stages_are_renamed_reordered_and_added_without_javascript(alice_client, recruiting, stage):
    screening = stage("screening")
    alice_client.post(f"/recruiting/settings/stages/{screening.pk}/", {"name": "Telefonat"})
    alice_client.post(f"/recruiting/settings/stages/{screening.pk}/shift/", {"direction": "up"})
    alice_client.post("/recruiting/settings/stages/new/", {"name": "Fallstudie"})
    alice_client.post("/recruiting/settings/late-stage/", {"late_stage": stage("offer").pk})
    page = alice_client.get("/recruiting/settings/").content.decode()
    stages = page.split('id="stage-list"')[1].split("</ol>")[0]
    assert stages.index("Telefonat") < stages.index("Applied") < stages.index("Fallstudie")
    assert stages.index("Fallstudie") < stages.index("Hired")
    from kontaktpflege.recruiting.models import RecruitingSettings

    assert RecruitingSettings.objects.get().late_stage == stage("offer")


def test_the_late_stage_must_be_a_stage_in_progress_of_this_workspace(
    alice_client, recruiting, stage
):
    before = _snapshot()
    for value in (stage("hired").pk, 10**6, "x"):
        response = alice_client.post(
            "/recruiting/settings/late-stage/", {"late_stage": value}, follow=True
        )
        assert "Choose" in _messages(response)
    assert _snapshot() == before


def test_rejection_reasons_are_added_and_edited(alice_client, recruiting):
    alice_client.post("/recruiting/settings/reasons/new/", {"new-label": "Sprachniveau"})
    reason = RejectionReason.objects.get(label="Sprachniveau")
    alice_client.post(f"/recruiting/settings/reasons/{reason.pk}/", {"label": "Deutsch C1 fehlt"})
    reason.refresh_from_db()
    assert (reason.label, reason.active) == ("Deutsch C1 fehlt", False)


# --- roles and isolation -----------------------------------------------------------------


def _write_urls(candidacy, stage) -> list[tuple[str, dict]]:
    c, o = candidacy.pk, candidacy.opening_id
    reason = RejectionReason.objects.filter(workspace=candidacy.workspace).first()
    return [
        ("/recruiting/settings/", {"enabled": ""}),
        ("/recruiting/openings/new/", {"title": "X", "work_mode": "onsite"}),
        (f"/recruiting/openings/{o}/edit/", {"title": "Hacked"}),
        (f"/recruiting/openings/{o}/candidates/new/", {"kind": "new", "first_name": "X"}),
        (f"/recruiting/candidacies/{c}/move/", {"stage": stage("offer").pk}),
        (f"/recruiting/candidacies/{c}/note/", {"text": "Hacked"}),
        (f"/recruiting/candidacies/{c}/notes/", {"notes": "Hacked"}),
        (f"/recruiting/candidacies/{c}/cv/", {"file": SimpleUploadedFile("a.pdf", pdf_bytes())}),
        (f"/recruiting/settings/stages/{stage('offer').pk}/", {"name": "Hacked"}),
        (f"/recruiting/settings/stages/{stage('offer').pk}/shift/", {"direction": "up"}),
        ("/recruiting/settings/stages/new/", {"name": "Hacked"}),
        ("/recruiting/settings/late-stage/", {"late_stage": stage("offer").pk}),
        ("/recruiting/settings/reasons/new/", {"new-label": "Hacked"}),
        (f"/recruiting/settings/reasons/{reason.pk}/", {"label": "Hacked"}),
    ]


def test_a_viewer_reads_every_page_but_every_post_is_403_and_changes_nothing(
    viewer_client, candidacy, stage
):
    c, o = candidacy.pk, candidacy.opening_id
    for url in ("/recruiting/", f"/recruiting/openings/{o}/", f"/recruiting/candidacies/{c}/"):
        response = viewer_client.get(url)
        assert response.status_code == 200, url
        assert "move-form" not in response.content.decode()
    assert viewer_client.get("/recruiting/settings/").status_code == 200
    before = _snapshot()
    for url, data in _write_urls(candidacy, stage):
        assert viewer_client.post(url, data).status_code == 403, url
    assert _snapshot() == before


def test_charlie_gets_404_for_every_page_of_alices_recruiting(
    charlie_client, candidacy, stage, charlie
):
    from kontaktpflege.recruiting.services import recruiting_switch

    recruiting_switch(workspace=charlie.active_workspace, enabled=True)
    document = CandidateDocument.objects.create(
        workspace=candidacy.workspace,
        person=candidacy.person,
        file="cv/x.pdf",
        original_name="cv.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )
    c, o = candidacy.pk, candidacy.opening_id
    before = _snapshot()
    gets = [
        f"/recruiting/openings/{o}/",
        f"/recruiting/openings/{o}/edit/",
        f"/recruiting/openings/{o}/candidates/new/",
        f"/recruiting/candidacies/{c}/",
        f"/recruiting/documents/{document.pk}/",
    ]
    for url in gets:
        assert charlie_client.get(url).status_code == 404, url
    skip = {
        "/recruiting/settings/",
        "/recruiting/openings/new/",
        "/recruiting/settings/stages/new/",
        "/recruiting/settings/late-stage/",
        "/recruiting/settings/reasons/new/",
    }
    for url, data in _write_urls(candidacy, stage):
        if url not in skip:
            assert charlie_client.post(url, data).status_code == 404, url
    # charlie's own late stage cannot point at alice's stage
    response = charlie_client.post(
        "/recruiting/settings/late-stage/", {"late_stage": stage("offer").pk}, follow=True
    )
    assert "Choose a stage of this workspace" in _messages(response)
    assert _snapshot() == before
    assert "Data Engineer" not in charlie_client.get("/recruiting/").content.decode()


def test_every_recruiting_page_has_the_strict_csp_and_no_inline_script_or_style(
    alice_client, candidacy
):
    from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

    stage_note = {"text": "Gutes Gespräch", "rating": "4"}
    alice_client.post(f"/recruiting/candidacies/{candidacy.pk}/note/", stage_note)
    c, o = candidacy.pk, candidacy.opening_id
    for url in (
        "/recruiting/",
        "/recruiting/?status=closed",
        "/recruiting/openings/new/",
        f"/recruiting/openings/{o}/",
        f"/recruiting/openings/{o}/edit/",
        f"/recruiting/openings/{o}/candidates/new/?q=Jana",
        f"/recruiting/candidacies/{c}/",
        "/recruiting/settings/",
    ):
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert_strict_csp(response)
        assert inline_problems(response.content.decode()) == [], url


def test_the_recruiting_pages_speak_german(bob_client, candidacy):
    page = bob_client.get(f"/recruiting/openings/{candidacy.opening_id}/").content.decode()
    assert "Kandidat:in hinzufügen" in page and "Verschieben" in page
    page = bob_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert "Stufenverlauf" in page and "Lebensläufe" in page


# --- one product: the pages of openings, rejections and pools link to each other ----------


def _reject(candidacy, alice, notes=""):
    from kontaktpflege.recruiting import rejections

    reason = RejectionReason.objects.filter(workspace=candidacy.workspace).order_by("position")
    return rejections.candidacy_reject(
        candidacy=candidacy, reason_id=reason.first().pk, user=alice, feedback_notes=notes
    )


def test_the_recruiting_sections_are_one_click_from_each_other(alice_client, recruiting):
    for url in ("/recruiting/", "/recruiting/rejections/", "/recruiting/pools/"):
        page = alice_client.get(url).content.decode()
        assert 'id="recruiting-nav"' in page, url
        for target in ("/recruiting/", "/recruiting/rejections/", "/recruiting/pools/"):
            assert f'href="{target}"' in page, (url, target)
        assert page.count('aria-current="page"') >= 1, url


def test_the_board_and_the_candidacy_offer_reject_only_for_open_candidacies(
    alice_client, alice, candidacy, opening, make_person
):
    from kontaktpflege.recruiting.services import candidacy_create

    other = make_person(first_name="Mehmet", last_name="Yilmaz", emails=["m@example.com"])
    rejected = candidacy_create(opening=opening, person=other)
    _reject(rejected, alice)
    board = alice_client.get(f"/recruiting/openings/{opening.pk}/").content.decode()
    assert f'href="/recruiting/candidacies/{candidacy.pk}/reject/"' in board
    assert f'href="/recruiting/candidacies/{rejected.pk}/reject/"' not in board
    assert f'href="/recruiting/openings/{opening.pk}/reject/"' in board
    assert f'href="/recruiting/openings/{opening.pk}/matches/"' in board
    page = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert f'href="/recruiting/candidacies/{candidacy.pk}/reject/"' in page
    page = alice_client.get(f"/recruiting/candidacies/{rejected.pk}/").content.decode()
    assert "/reject/" not in page


def test_a_viewer_sees_no_reject_link_but_the_matches(viewer_client, candidacy):
    board = viewer_client.get(f"/recruiting/openings/{candidacy.opening_id}/").content.decode()
    assert "/reject/" not in board
    assert f'href="/recruiting/openings/{candidacy.opening_id}/matches/"' in board
    page = viewer_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert "/reject/" not in page


def test_a_silver_medallists_candidacy_shows_the_badge_and_the_update_link(
    alice_client, alice, candidacy, stage
):
    candidacy.stage = candidacy.reached_stage = stage("final_interview")
    candidacy.reached_position = candidacy.stage.position
    candidacy.save()
    before = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert 'id="silver-medallist"' not in before and "/update/" not in before
    person_before = alice_client.get(f"/people/{candidacy.person_id}/").content.decode()
    assert "person-silver-medallist" not in person_before
    _reject(candidacy, alice, notes="Knappe Entscheidung.")
    page = alice_client.get(f"/recruiting/candidacies/{candidacy.pk}/").content.decode()
    assert 'id="silver-medallist"' in page
    update = f"/recruiting/candidates/{candidacy.person_id}/update/"
    assert f'href="{update}"' in page
    assert alice_client.get(update).status_code == 200
    person_page = alice_client.get(f"/people/{candidacy.person_id}/").content.decode()
    assert 'id="person-silver-medallist"' in person_page and f'href="{update}"' in person_page


def test_the_linked_recruiting_pages_have_the_strict_csp(alice_client, candidacy):
    from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

    c, o = candidacy.pk, candidacy.opening_id
    for url in (
        "/recruiting/rejections/",
        "/recruiting/pools/",
        f"/recruiting/openings/{o}/matches/",
        f"/recruiting/openings/{o}/reject/",
        f"/recruiting/candidacies/{c}/reject/",
        f"/recruiting/people/{candidacy.person_id}/skills/",
    ):
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert_strict_csp(response)
        assert inline_problems(response.content.decode()) == [], url


def test_the_linked_pages_speak_german(bob_client, candidacy):
    page = bob_client.get(f"/recruiting/openings/{candidacy.opening_id}/").content.decode()
    assert "Mehrere absagen" in page and "Passende aus den Talentpools" in page
    page = bob_client.get("/recruiting/rejections/").content.decode()
    assert "Bereiche im Recruiting" in page and "Talentpools" in page
