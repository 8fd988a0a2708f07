"""Small builders for recruiting tests: CV files made by the real libraries, and candidates
for the pool and re-matching tests."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from kontaktpflege.recruiting.models import CandidateProfile, CandidateSkill, Skill
from kontaktpflege.recruiting.tags import candidate_skill_ids_refresh, skills_vocabulary_ensure


def pdf_bytes(text: str = "Python Django PostgreSQL", pages: int = 1, password: str = "") -> bytes:
    """A real PDF with `text` on every page (Helvetica), optionally encrypted."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs or ("Buchhaltung und DATEV",):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_candidate(make_person: Any, workspace: Any, *, skills: list[str] = (), **profile: Any):  # type: ignore[assignment]
    """A person with a candidate profile and hand-set skill tags (names of the vocabulary)."""
    person_fields = {
        k: profile.pop(k)
        for k in list(profile)
        if k in ("first_name", "last_name", "emails", "tags")
    }
    person = make_person(**person_fields)
    CandidateProfile.objects.create(workspace=workspace, person=person, **profile)
    skills_vocabulary_ensure(workspace=workspace)
    for name in skills:
        CandidateSkill.objects.create(
            workspace=workspace,
            person=person,
            skill=Skill.objects.get(workspace=workspace, name=name),
            source="manual",
        )
    candidate_skill_ids_refresh(person_ids=[person.pk])  # as the tagging services do
    return person
