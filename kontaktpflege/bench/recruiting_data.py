"""Synthetic candidates for the recruiting benchmarks and the demo: people with a candidate
profile (career level, job type, work mode, location, stage reached, silver medallist,
consent state), skill tags from the workspace vocabulary and contact tags. Deterministic.

Kept apart from generator.py (the contacts generator): a recruiting workspace is its own
workspace. Rows go in with ids chosen here; on PostgreSQL through COPY (scale L, a million
candidates, is about ten million rows), elsewhere through executemany in chunks. Nothing
protected by the AGG is generated: no gender, no birthday, no photo.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker import Faker

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench.generator import _bulk_load
from kontaktpflege.contacts.models import EmailAddress, Person, Tag
from kontaktpflege.recruiting.models import CandidateProfile, CandidateSkill, Skill
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tags import skills_vocabulary_ensure

CANDIDATES = {"XS": 200, "S": 2_000, "M": 50_000, "L": 1_000_000}
CHUNK = 10_000

# Job families: the skills people of a family have (vocabulary names; "~" marks a rarer
# one) and their job titles.
FAMILIES: dict[str, tuple[str, list[str]]] = {
    "software": (
        "Python; Java; JavaScript; TypeScript; SQL; PostgreSQL; Docker; Kubernetes; Git; Linux;"
        " React; Django; Node.js; ~CI/CD; ~REST API; ~Amazon Web Services; ~Microservices;"
        " ~Golang; ~Terraform",
        ["Softwareentwickler", "Softwareentwicklerin", "Software Engineer", "Backend Developer"],
    ),
    "data": (
        "Python; SQL; ~Machine Learning; ~Data Science; Pandas; ~Apache Spark; ~Power BI;"
        " Tableau; Excel; ~Deep Learning; ~Google Cloud; PostgreSQL",
        ["Data Scientist", "Data Engineer", "Datenanalyst", "BI-Analystin"],
    ),
    "finance": (
        "Buchhaltung; Controlling; ~SAP FI; ~SAP CO; DATEV; HGB; IFRS; Excel; Steuern;"
        " Bilanzierung; Lohnbuchhaltung; Kreditorenbuchhaltung; Debitorenbuchhaltung;"
        " Finanzplanung",
        ["Buchhalterin", "Buchhalter", "Controller", "Finanzbuchhalterin", "Accountant"],
    ),
    "sales": (
        "Vertrieb; ~Key Account Management; CRM; Salesforce; Verhandlungsführung; Marketing;"
        " Online-Marketing; SEO; ~Social Media; ~Content Marketing; Kundenservice; E-Commerce",
        ["Vertriebsmitarbeiter", "Account Manager", "Marketing Managerin", "Sales Manager"],
    ),
    "hr": (
        "Personalwesen; Recruiting; Arbeitsrecht; Personalentwicklung; ~Employer Branding;"
        " Lohnbuchhaltung; ~SAP HCM; Coaching; Kommunikation",
        ["HR-Referentin", "Recruiterin", "Personalreferent", "HR Business Partner"],
    ),
    "engineering": (
        "Maschinenbau; Elektrotechnik; CAD; SPS-Programmierung; Automatisierungstechnik;"
        " Konstruktion; Fertigung; Qualitätsmanagement; Arbeitssicherheit; ~Lean Management",
        ["Maschinenbauingenieur", "Konstrukteurin", "Elektroingenieur", "Produktionsplaner"],
    ),
    "projects": (
        "Projektmanagement; Scrum; Kanban; ~Agile Methoden; PRINCE2; Jira; Confluence;"
        " Stakeholdermanagement; ~Change Management; Prozessmanagement; Produktmanagement",
        ["Projektmanagerin", "Projektleiter", "Product Owner", "Scrum Master"],
    ),
    "office": (
        "Office-Management; ~Microsoft Office; Excel; PowerPoint; Kommunikation; Einkauf;"
        " Logistik; Lagerverwaltung; Kundenservice",
        ["Office Managerin", "Sachbearbeiter", "Assistenz der Geschäftsführung", "Einkäuferin"],
    ),
}
FAMILY_NAMES = list(FAMILIES)
LEVELS = [
    ("student", 0.08),
    ("entry", 0.15),
    ("professional", 0.40),
    ("senior", 0.25),
    ("lead", 0.09),
    ("executive", 0.03),
]
TITLES = {
    "student": "Werkstudent {t}",
    "entry": "Junior {t}",
    "professional": "{t}",
    "senior": "Senior {t}",
    "lead": "Teamleiter {t}",
    "executive": "Head of {t}",
}
JOB_TYPES = [("full_time", 0.72), ("part_time", 0.12), ("contract", 0.06), ("freelance", 0.05)]
CONSENT = [("none", 0.45), ("requested", 0.10), ("granted", 0.35), ("withdrawn", 0.05)]
WORK_MODES = [("onsite", 0.4), ("hybrid", 0.4), ("remote", 0.2)]
CITIES = [
    "Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf",
    "Leipzig", "Dortmund", "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Münster",
]  # fmt: skip
TAGS = [
    ("Finalist", 0.08),
    ("Messe Köln 2025", 0.05),
    ("Empfehlung", 0.06),
    ("Hochschulmesse", 0.04),
    ("LinkedIn", 0.15),
    ("Initiativbewerbung", 0.07),
    ("Alumni", 0.03),
    ("Meetup", 0.04),
]


@dataclass(frozen=True)
class Candidate:
    """One generated candidate's rows, before they are written."""

    person: tuple
    profile: tuple
    skills: list[int]
    tags: list[int]
    email: str


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


class _Writer:
    """Chunked rows into one table: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, model: type[models.Model], columns: list[str]) -> None:
        self.table = model._meta.db_table
        self.columns = columns
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({names}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({names}) VALUES ({marks})", self.rows
                )
        self.count += len(self.rows)
        self.rows = []


def _person_columns(values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Every concrete column of Person: the given values, else the field's default."""
    columns, defaults = [], []
    for f in Person._meta.concrete_fields:
        if f.primary_key or f.name in values:
            continue
        if f.null:
            default = None
        elif f.has_default():
            default = f.get_default()
        else:
            default = ""
        columns.append(f.column)
        defaults.append(default)
    return columns, defaults


class RecruitingGenerator:
    """One run for one workspace."""

    def __init__(self, workspace: Workspace, n: int, seed: int, now: dt.datetime) -> None:
        self.ws, self.n, self.seed, self.now = workspace, n, seed, now
        self.rng = random.Random(seed)
        faker = Faker("de_DE")
        faker.seed_instance(seed)
        self.first = [faker.first_name() for _ in range(400)]
        self.last = [faker.last_name() for _ in range(1500)]

    def _skill_ids(self) -> dict[str, list[tuple[int, bool]]]:
        """Per family: (skill id, common) — "~" marks a rarer skill of the family."""
        skills_vocabulary_ensure(workspace=self.ws)
        by_name = dict(Skill.objects.filter(workspace=self.ws).values_list("name", "pk"))
        out = {}
        for family, (names, _titles) in FAMILIES.items():
            terms = [n.strip() for n in names.split(";")]
            out[family] = [(by_name[n.lstrip("~")], not n.startswith("~")) for n in terms]
        return out

    def _tag_ids(self) -> list[tuple[int, float]]:
        out = []
        for name, share in TAGS:
            tag, _created = Tag.objects.get_or_create(workspace=self.ws, name=name)
            out.append((tag.pk, share))
        return out

    def candidates(self, base: int) -> Iterator[Candidate]:
        rng, family_skills, tag_ids = self.rng, self._skill_ids(), self._tag_ids()
        german, english = (
            Skill.objects.get(workspace=self.ws, name=n).pk for n in ("Deutsch", "Englisch")
        )
        for i in range(self.n):
            pk = base + i
            family = rng.choice(FAMILY_NAMES)
            level = _pick(rng, LEVELS)
            title = TITLES[level].format(t=rng.choice(FAMILIES[family][1]))
            job_type = "working_student" if level == "student" else _pick(rng, JOB_TYPES)
            pool = family_skills[family]
            chosen = {sid for sid, common in pool if rng.random() < (0.45 if common else 0.15)}
            chosen |= {german} | ({english} if rng.random() < 0.7 else set())
            tags = [tid for tid, share in tag_ids if rng.random() < share]
            reached = rng.choice([0, 10, 10, 20, 20, 30, 40, 50])
            silver = reached >= 40 and rng.random() < 0.5
            first, last = rng.choice(self.first), rng.choice(self.last)
            touched = (
                self.now - dt.timedelta(days=rng.randint(0, 1100), seconds=rng.randint(0, 86399))
                if rng.random() < 0.8
                else None
            )
            yield Candidate(
                person=(pk, first, last, title, rng.choice(CITIES), touched),
                profile=(
                    pk,
                    level,
                    job_type,
                    _pick(rng, WORK_MODES),
                    rng.choice(CITIES),
                    reached,
                    silver,
                    _pick(rng, CONSENT),
                ),
                skills=sorted(chosen),
                tags=tags,
                email=f"{first}.{last}.{pk}@example.org".lower().replace(" ", ""),
            )

    def run(self) -> dict[str, int]:
        recruiting_setup(workspace=self.ws, enabled=True)
        base = (Person.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
        ws, now = self.ws.pk, self.now
        named = ["id", "workspace_id", "created_at", "updated_at", "first_name", "last_name"]
        named += ["job_title", "location", "last_touched_at"]
        rest, defaults = _person_columns({n.removesuffix("_id"): 1 for n in named} | {"id": 1})
        people = _Writer(Person, named + rest)
        common = ["workspace_id", "created_at", "updated_at"]
        profiles = _Writer(
            CandidateProfile,
            [
                *common,
                "person_id",
                "career_level",
                "career_level_source",
                "job_type",
                "job_type_source",
                "work_mode",
                "location",
                "reached_position",
                "silver_medallist",
                "consent_state",
                "skill_ids",
                "tag_ids",
            ],
        )
        skills = _Writer(
            CandidateSkill, [*common, "person_id", "skill_id", "source", "evidence", "removed"]
        )
        tags = _Writer(Person.tags.through, ["person_id", "tag_id"])
        emails = _Writer(EmailAddress, [*common, "person_id", "email", "label", "is_primary"])
        with_email = self.n <= CANDIDATES["S"]
        field = CandidateProfile._meta.get_field("skill_ids")

        def ids(values: list[int]) -> Any:  # as skill_ids and tag_ids store them
            return field.get_db_prep_value(values, connection)

        for c in self.candidates(base):
            pk, first, last, title, city, touched = c.person
            people.add((pk, ws, now, now, first, last, title, city, touched, *defaults))
            level, job_type, mode, where, reached, silver, consent = c.profile[1:]
            profiles.add(
                (
                    ws,
                    now,
                    now,
                    pk,
                    level,
                    "auto",
                    job_type,
                    "auto",
                    mode,
                    where,
                    reached,
                    silver,
                    consent,
                    ids(c.skills),
                    ids(c.tags),
                )
            )
            for sid in c.skills:
                skills.add((ws, now, now, pk, sid, "auto", "", False))
            for tid in c.tags:
                tags.add((pk, tid))
            if with_email:
                emails.add((ws, now, now, pk, c.email, "", True))
        for writer in (people, profiles, skills, tags, emails):
            writer.flush()
        self._finish()
        return {
            "candidates": people.count,
            "candidate_skills": skills.count,
            "person_tags": tags.count,
            "emails": emails.count,
        }

    def _finish(self) -> None:
        models_with_ids = [Person, CandidateProfile, CandidateSkill, EmailAddress]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
                cursor.execute(statement)


def generate_candidates(
    *, workspace: Workspace, scale: str = "S", seed: int = 1, n: int | None = None
) -> dict[str, int]:
    """Fill a workspace with candidates at a named scale (or `n` of them)."""
    count = CANDIDATES[scale] if n is None else n
    # The contacts generator's bulk settings: on PostgreSQL no per-row foreign-key triggers
    # (for a superuser), whose deferred checks made the commit of scale L take minutes.
    with transaction.atomic(), _bulk_load(rebuild_indexes=False):
        counts = RecruitingGenerator(
            workspace, count, seed, timezone.now().replace(microsecond=0)
        ).run()
    _vacuum()
    return counts


def _vacuum() -> None:
    """VACUUM ANALYZE the bulk-written tables (PostgreSQL, outside a transaction): fresh
    statistics, and a visibility map so the partial skill index can answer index-only."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [m._meta.db_table for m in (Person, CandidateProfile, CandidateSkill, EmailAddress)]
    tables.append(Person.tags.through._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
