"""Automatic tags on candidates: skills from the workspace vocabulary found in CV text, notes
and job titles, and career level and preferred job type inferred from titles and answers.

Matching is token-aware: texts and vocabulary terms are split into words and folded (case,
accents, umlauts: "Buchhaltung" = "BUCHHALTUNG", "Präsentation" = "Praesentation"), and a
term matches a run of whole words. Exact runs always count; terms of at least
FUZZY_MIN_CHARS letters also match a run within FUZZY_CUTOFF (rapidfuzz's normalised
Indel ratio) to forgive typos and hyphenation ("Projekt-Management", "Projektmanagment").
Short terms never match fuzzily and never inside a longer word, so "Java" is not found in
"JavaScript" and "SQL" not in "PostgreSQL".

Every tag records its source (auto/manual) and evidence. A human's correction wins: an
automatic tag removed by hand stays removed on the next pass (CandidateSkill.removed), a tag
added by hand is never removed by a pass, and a level or job type set by hand is kept.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task
from rapidfuzz import fuzz, process

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import Employment, Person
from kontaktpflege.core.text import fold, strip_invisible, without_control_chars
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    CandidateProfile,
    CandidateSkill,
    CareerLevel,
    ExtractionState,
    JobType,
    Skill,
    StageNote,
    TagSource,
)
from kontaktpflege.recruiting.services import candidate_profile_ensure

VOCABULARY_PATH = Path(__file__).parent / "vocabulary" / "skills.toml"
FUZZY_MIN_CHARS = 8
FUZZY_CUTOFF = 90.0
MAX_TERM_WORDS = 4
MAX_TEXT_CHARS = 200_000  # per text: a CV longer than this is read up to here
EVIDENCE_CONTEXT = 40
CHUNK = 200
# A word: letters/digits, with + and # inside (C++, C#), a leading dot (.NET) and dotted
# parts (Node.js); hyphens, slashes and spaces separate words.
WORD_RE = re.compile(r"\.?\w[\w+#]*(?:\.\w+)*")

# Career level from titles, most senior first: the first pattern found decides.
LEVEL_PATTERNS = [
    (
        CareerLevel.EXECUTIVE,
        r"geschaftsfuhr\w*|ceo|cto|cfo|coo|cio|vorstand\w*|managing director|vice president"
        r"|director|direktor\w*|prokurist\w*",
    ),
    (
        CareerLevel.LEAD,
        r"team ?lead\w*|\w*leiter|\w*leiterin|\w*leitung|lead|head of|principal|chef\w*",
    ),
    (CareerLevel.SENIOR, r"senior|sr|erfahren\w*|experienced"),
    (
        CareerLevel.ENTRY,
        r"junior|jr|trainee\w*|berufseinsteig\w*|einsteiger\w*|absolvent\w*|graduate"
        r"|entry level|young professional",
    ),
    (
        CareerLevel.STUDENT,
        r"werkstudent\w*|working student|student\w*|praktikant\w*|intern|internship"
        r"|praktikum|azubi\w*|auszubildende\w*|apprentice\w*",
    ),
]
# Preferred job type from titles and answers; the first pattern found decides.
JOB_TYPE_PATTERNS = [
    (JobType.WORKING_STUDENT, r"werkstudent\w*|working student"),
    (JobType.INTERNSHIP, r"praktik\w*|pflichtpraktikum|intern|internship"),
    (JobType.FREELANCE, r"freelanc\w*|freiberuf\w*|selbststandig\w*|selbstandig\w*"),
    (JobType.PART_TIME, r"teilzeit\w*|part time|halbtags"),
    (JobType.CONTRACT, r"befristet\w*|fixed term|zeitvertrag"),
    (JobType.FULL_TIME, r"vollzeit\w*|full time"),
]


def _compile(patterns: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    return [(value, re.compile(rf"\b(?:{pattern})\b")) for value, pattern in patterns]


LEVEL_RES = _compile(LEVEL_PATTERNS)  # type: ignore[arg-type]
JOB_TYPE_RES = _compile(JOB_TYPE_PATTERNS)  # type: ignore[arg-type]


# -- the vocabulary ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A term of the shipped vocabulary."""

    name: str
    aliases: tuple[str, ...]
    category: str


@cache
def shipped_vocabulary() -> tuple[Term, ...]:
    """The skills vocabulary shipped in vocabulary/skills.toml."""
    with VOCABULARY_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    return tuple(
        Term(item["name"], tuple(item.get("aliases", ())), item.get("category", ""))
        for item in data["skill"]
    )


def skills_vocabulary_ensure(*, workspace: Workspace) -> int:
    """Copy the shipped vocabulary into a workspace that has no skills yet; returns how many."""
    if Skill.objects.filter(workspace=workspace).exists():
        return 0
    created = Skill.objects.bulk_create(
        [
            Skill(workspace=workspace, name=t.name, aliases=list(t.aliases), category=t.category)
            for t in shipped_vocabulary()
        ],
        ignore_conflicts=True,
    )
    return len(created)


# -- matching -------------------------------------------------------------------------


def words(text: str) -> list[tuple[str, int, int]]:
    """The folded words of a text with their start and end in the original."""
    return [(fold(m.group()), m.start(), m.end()) for m in WORD_RE.finditer(text)]


@lru_cache(maxsize=8192)
def term_key(term: str) -> tuple[str, ...]:
    """A vocabulary term as folded words (cached: the same terms come back on every pass)."""
    return tuple(w for w, _s, _e in words(term))


@dataclass
class Matcher:
    """The workspace vocabulary prepared for matching: exact word runs and fuzzy candidates."""

    exact: dict[tuple[str, ...], int] = field(default_factory=dict)
    fuzzy: dict[int, list[str]] = field(default_factory=dict)  # words in run → joined terms
    fuzzy_ids: dict[int, list[int]] = field(default_factory=dict)
    longest: int = 1


def build_matcher(skills: Iterable[tuple[int, str, list[str]]]) -> Matcher:
    """A matcher over (skill id, name, aliases)."""
    matcher = Matcher()
    for skill_id, name, aliases in skills:
        for term in [name, *(a for a in aliases if isinstance(a, str))]:
            key = term_key(term)
            if not key or len(key) > MAX_TERM_WORDS:
                continue
            matcher.exact.setdefault(key, skill_id)
            matcher.longest = max(matcher.longest, len(key))
            joined = " ".join(key)
            if len(joined.replace(" ", "")) >= FUZZY_MIN_CHARS:
                # A compound may be written as one word or as several ("Projektmanagement",
                # "Projekt-Management"): the fuzzy comparison sees runs of 1..n words.
                for n in {len(key), 1, 2}:
                    matcher.fuzzy.setdefault(n, []).append(joined)
                    matcher.fuzzy_ids.setdefault(n, []).append(skill_id)
    return matcher


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - EVIDENCE_CONTEXT)
    right = min(len(text), end + EVIDENCE_CONTEXT)
    snippet = " ".join(text[left:right].split())
    return ("…" if left else "") + snippet + ("…" if right < len(text) else "")


def match_skills(matcher: Matcher, text: str) -> dict[int, str]:
    """Skill ids found in a text, each with the passage it was found in."""
    text = text[:MAX_TEXT_CHARS]
    tokens = words(text)
    found: dict[int, str] = {}
    tried: set[str] = set()
    taken = [False] * len(tokens)  # words inside a longer match ("SAP FI" is not also "SAP")
    for n in range(matcher.longest, 0, -1):
        for i in range(len(tokens) - n + 1):
            if any(taken[i : i + n]):
                continue
            run = tokens[i : i + n]
            key = tuple(w for w, _s, _e in run)
            skill_id = matcher.exact.get(key)
            if skill_id is None and n in matcher.fuzzy:
                joined = " ".join(key)
                if len(joined.replace(" ", "")) < FUZZY_MIN_CHARS or joined in tried:
                    continue
                tried.add(joined)
                hit = process.extractOne(
                    joined, matcher.fuzzy[n], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
                )
                skill_id = matcher.fuzzy_ids[n][hit[2]] if hit else None
            if skill_id is not None:
                taken[i : i + n] = [True] * n
                if skill_id not in found:
                    found[skill_id] = _snippet(text, run[0][1], run[-1][2])
    return found


def infer(patterns: list[tuple[str, re.Pattern[str]]], texts: Iterable[str]) -> str:
    """The first value whose pattern occurs in any of the texts (folded), else ""."""
    folded = [" ".join(w for w, _s, _e in words(t[:MAX_TEXT_CHARS])) for t in texts if t]
    for value, pattern in patterns:
        if any(pattern.search(text) for text in folded):
            return value
    return ""


def infer_level(titles: Iterable[str]) -> str:
    """Career level from job titles: a title without a level word means "professional"."""
    titles = [t for t in titles if t and t.strip()]
    if not titles:
        return ""
    return infer(LEVEL_RES, titles) or CareerLevel.PROFESSIONAL


# -- the pass over people ---------------------------------------------------------------


@dataclass
class _Texts:
    location: str = ""  # the person's, copied into the profile
    titles: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # notes of the person and candidacies
    labelled: list[tuple[str, str]] = field(default_factory=list)  # (where, text)


def _texts(workspace: Workspace, ids: list[int]) -> dict[int, _Texts]:
    """Everything the pass reads, in five queries for a chunk of people (of this workspace)."""
    out: dict[int, _Texts] = {}
    people = Person.objects.filter(workspace=workspace, pk__in=ids)
    for pk, title, notes, location in people.values_list("pk", "job_title", "notes", "location"):
        out[pk] = _Texts(location=location)
        out[pk].titles.append(title)
        out[pk].answers.append(notes)
        out[pk].labelled += [(_("Job title"), title), (_("Notes"), notes)]
    ids = list(out)
    employments = Employment.objects.filter(person_id__in=ids, person__workspace=workspace)
    for pk, title in employments.values_list("person_id", "title"):
        out[pk].labelled.append((_("Job title"), title))
    candidacies = Candidacy.objects.filter(workspace=workspace, person_id__in=ids)
    for pk, notes in candidacies.values_list("person_id", "notes"):
        out[pk].answers.append(notes)
        out[pk].labelled.append((_("Candidacy notes"), notes))
    stage_notes = StageNote.objects.filter(workspace=workspace, candidacy__person_id__in=ids)
    for pk, text in stage_notes.values_list("candidacy__person_id", "text"):
        out[pk].labelled.append((_("Interview notes"), text))
    documents = CandidateDocument.objects.filter(
        workspace=workspace, person_id__in=ids, state=ExtractionState.DONE
    )
    for pk, name, text in documents.values_list("person_id", "original_name", "text"):
        out[pk].labelled.append((_("CV %(name)s") % {"name": name[:60]}, text))
    return out


def _found(matcher: Matcher, texts: _Texts) -> dict[int, str]:
    found: dict[int, str] = {}
    for where, text in texts.labelled:
        if not text:
            continue
        for skill_id, passage in match_skills(matcher, text).items():
            found.setdefault(skill_id, f"{where}: {passage}"[:200])
    return found


def _apply_skills(workspace: Workspace, person_id: int, found: dict[int, str]) -> None:
    """Add new automatic tags, refresh evidence, drop automatic tags no longer found; never
    touch a hand-set tag or bring back one a human removed."""
    existing = {cs.skill_id: cs for cs in CandidateSkill.objects.filter(person_id=person_id)}
    stale = [
        cs.pk
        for skill_id, cs in existing.items()
        if cs.source == TagSource.AUTO and not cs.removed and skill_id not in found
    ]
    CandidateSkill.objects.filter(pk__in=stale).delete()
    new = []
    for skill_id, evidence in found.items():
        cs = existing.get(skill_id)
        if cs is None:
            new.append(
                CandidateSkill(
                    workspace=workspace,
                    person_id=person_id,
                    skill_id=skill_id,
                    source=TagSource.AUTO,
                    evidence=evidence,
                )
            )
        elif cs.source == TagSource.AUTO and not cs.removed and cs.evidence != evidence:
            cs.evidence = evidence
            cs.save(update_fields=["evidence", "updated_at"])
    CandidateSkill.objects.bulk_create(new, ignore_conflicts=True)


def candidate_skill_ids_refresh(*, person_ids: Iterable[int]) -> int:
    """Copy each person's skill tags that are not removed onto CandidateProfile.skill_ids.

    The one writer of that column: every service that adds, corrects or removes a skill tag
    calls it in its own transaction, after the tags changed. Returns how many profiles
    changed.
    """
    ids = sorted(set(person_ids))
    changed = []
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        held: dict[int, list[int]] = {}
        rows = CandidateSkill.objects.filter(person_id__in=chunk, removed=False)
        for person_id, skill_id in rows.values_list("person_id", "skill_id"):
            held.setdefault(person_id, []).append(skill_id)
        for profile in CandidateProfile.objects.filter(person_id__in=chunk).only(
            "pk", "person_id", "skill_ids"
        ):
            skill_ids = sorted(held.get(profile.person_id, []))
            if profile.skill_ids != skill_ids:
                profile.skill_ids = skill_ids
                changed.append(profile)
    CandidateProfile.objects.bulk_update(changed, ["skill_ids"], batch_size=500)
    return len(changed)


def _apply_profile(workspace: Workspace, person_id: int, texts: _Texts) -> None:
    profile, _created = CandidateProfile.objects.get_or_create(
        person_id=person_id, defaults={"workspace": workspace}
    )
    fields = []
    if profile.location != texts.location:
        profile.location = texts.location
        fields.append("location")
    if profile.career_level_source != TagSource.MANUAL:
        level = infer_level(texts.titles) or profile.career_level
        if level != profile.career_level or profile.career_level_source != TagSource.AUTO:
            profile.career_level, profile.career_level_source = level, TagSource.AUTO
            fields += ["career_level", "career_level_source"]
    if profile.job_type_source != TagSource.MANUAL:
        job_type = infer(JOB_TYPE_RES, [*texts.titles, *texts.answers]) or profile.job_type
        if job_type != profile.job_type or profile.job_type_source != TagSource.AUTO:
            profile.job_type, profile.job_type_source = job_type, TagSource.AUTO
            fields += ["job_type", "job_type_source"]
    if fields:
        profile.save(update_fields=[*fields, "updated_at"])


def workspace_matcher(workspace: Workspace) -> Matcher:
    """The matcher over the workspace's own (edited) vocabulary."""
    skills_vocabulary_ensure(workspace=workspace)
    rows = Skill.objects.filter(workspace=workspace).values_list("pk", "name", "aliases")
    return build_matcher(rows)


def candidate_tags_refresh(*, workspace: Workspace, person_ids: Iterable[int]) -> int:
    """Recompute the automatic skill tags, career level and job type of these people.

    Called when a CV's text was extracted and when notes changed. People of another
    workspace are ignored. Returns how many people were looked at.
    """
    ids = sorted(set(person_ids))
    matcher = workspace_matcher(workspace)
    language = (workspace.settings or {}).get("language") or translation.get_language()
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with translation.override(language), transaction.atomic():
            found = _texts(workspace, chunk)  # this workspace's people only
            for person_id, texts in found.items():
                _apply_skills(workspace, person_id, _found(matcher, texts))
                _apply_profile(workspace, person_id, texts)
                done += 1
            candidate_skill_ids_refresh(person_ids=list(found))
    return done


def tags_on_cv_extracted(document_id: int) -> None:
    """A CV's text was read (in the worker): run the tag pass for its person at once."""
    document = CandidateDocument.objects.filter(pk=document_id).select_related("workspace").first()
    if document is not None:
        candidate_tags_refresh(workspace=document.workspace, person_ids=[document.person_id])


@task()
def candidate_tags_refresh_task(workspace_id: int, person_ids: list[int]) -> int:
    """The tag pass in the worker (after a CV was read or notes changed)."""
    workspace = Workspace.objects.get(pk=workspace_id)
    return candidate_tags_refresh(workspace=workspace, person_ids=person_ids)


# -- corrections by hand ------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(without_control_chars(strip_invisible(name or "")).split())
    if not name:
        raise ValidationError({"skill": _("Enter a skill.")})
    if len(name) > 80:
        raise ValidationError({"skill": _("A skill has at most 80 characters.")})
    return name


def skill_resolve(*, workspace: Workspace, name: str) -> Skill:
    """The workspace's skill of this name or alias (folded), or a new one of that name."""
    name = _clean_name(name)
    key = term_key(name)
    skills_vocabulary_ensure(workspace=workspace)
    for skill in Skill.objects.filter(workspace=workspace):
        terms = [skill.name, *(a for a in skill.aliases if isinstance(a, str))]
        if any(term_key(t) == key for t in terms):
            return skill
    skill, _created = Skill.objects.get_or_create(workspace=workspace, name=name)
    return skill


@transaction.atomic
def candidate_skill_add(*, person: Person, name: str) -> CandidateSkill:
    """Tag a person with a skill by hand (an automatic or removed tag becomes a hand-set one)."""
    skill = skill_resolve(workspace=person.workspace, name=name)
    tag, created = CandidateSkill.objects.get_or_create(
        person=person,
        skill=skill,
        defaults={"workspace_id": person.workspace_id, "source": TagSource.MANUAL},
    )
    if not created and (tag.source != TagSource.MANUAL or tag.removed):
        tag.source, tag.removed = TagSource.MANUAL, False
        tag.save(update_fields=["source", "removed", "updated_at"])
    candidate_profile_ensure(person=person)
    candidate_skill_ids_refresh(person_ids=[person.pk])
    return tag


@transaction.atomic
def candidate_skill_remove(*, person: Person, skill_id: int) -> None:
    """Remove a tag: a hand-set one is deleted, an automatic one stays removed for good."""
    tag = CandidateSkill.objects.filter(person=person, skill_id=skill_id).first()
    if tag is None:
        raise ValidationError({"skill": _("This person does not have this skill.")})
    if tag.source == TagSource.MANUAL:
        tag.delete()
    elif not tag.removed:
        tag.removed = True
        tag.save(update_fields=["removed", "updated_at"])
    candidate_skill_ids_refresh(person_ids=[person.pk])


@transaction.atomic
def candidate_profile_set(
    *, person: Person, career_level: str | None = None, job_type: str | None = None
) -> CandidateProfile:
    """Set career level and/or job type by hand; "" hands the value back to the automatic
    pass (which runs again the next time the person's texts change)."""
    if career_level is not None and career_level not in ("", *CareerLevel.values):
        raise ValidationError({"career_level": _("Choose a career level from the list.")})
    if job_type is not None and job_type not in ("", *JobType.values):
        raise ValidationError({"job_type": _("Choose a job type from the list.")})
    candidate_profile_ensure(person=person)
    profile = CandidateProfile.objects.select_for_update().get(person=person)
    fields = []
    if career_level is not None:
        profile.career_level = career_level
        profile.career_level_source = TagSource.MANUAL if career_level else ""
        fields += ["career_level", "career_level_source"]
    if job_type is not None:
        profile.job_type = job_type
        profile.job_type_source = TagSource.MANUAL if job_type else ""
        fields += ["job_type", "job_type_source"]
    if fields:
        profile.save(update_fields=[*fields, "updated_at"])
    return profile


def tags_on_facts_changed(person_ids: list[int], _answered: dict[int, int]) -> None:
    """Facts hook: people whose notes or titles may have changed get the tag pass in the
    worker, if they are candidates (have a profile). One query per 5,000 ids."""
    for start in range(0, len(person_ids), 5000):
        rows = CandidateProfile.objects.filter(
            person_id__in=person_ids[start : start + 5000]
        ).values_list("workspace_id", "person_id")
        by_workspace: dict[int, list[int]] = {}
        for workspace_id, person_id in rows:
            by_workspace.setdefault(workspace_id, []).append(person_id)
        for workspace_id, ids in by_workspace.items():
            candidate_tags_refresh_task.enqueue(workspace_id, ids)
