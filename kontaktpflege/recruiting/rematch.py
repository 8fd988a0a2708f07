"""Re-matching: rank pool members (or every candidate) for an opening, with the reasons, and
invite the chosen ones in one step (a queued message and a candidacy each).

The score (0–100) is computed in the database (one plain SQL query, `ranking_sql`) so that
a million candidates rank in one query: skills 60 × matched / wanted, level 20 (equal) /
10 (one step apart) / 0, location or work mode 10, job type 10 (5 when unknown). Only people
with at least one of the opening's skills are ranked when it names skills (a candidate with
none of them is no match); people who already have a candidacy for the opening, or who
withdrew their consent, are left out. Nothing protected by the AGG takes part: level is the
career level, never age.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.text import fold
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.messaging.selectors import (
    default_variant,
    message_context,
    render_draft,
    sender_settings_for,
    template_source,
)
from kontaktpflege.messaging.services import message_queue_email
from kontaktpflege.recruiting.models import (
    LEVEL_ORDER,
    Candidacy,
    CandidateProfile,
    CareerLevel,
    ConsentState,
    JobType,
    Opening,
    Skill,
    TalentPool,
    WorkMode,
)
from kontaktpflege.recruiting.pools import pool_person_ids
from kontaktpflege.recruiting.services import candidacy_create, recruiting_setup
from kontaktpflege.recruiting.tags import skills_vocabulary_ensure, term_key

TOP = 50
MAX_INVITE = 100
INVITATION_TEMPLATE = "opening_invitation"


@dataclass
class Match:
    """One ranked candidate with the reasons."""

    person: Person
    score: float
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    level: str = ""
    reasons: list[str] = field(default_factory=list)


def opening_skill_ids(opening: Opening) -> dict[int, str]:
    """The workspace skills an opening names (by name or alias, folded), id → name."""
    wanted = {term_key(str(s)) for s in opening.skills or []}
    if not wanted:
        return {}
    skills_vocabulary_ensure(workspace=opening.workspace)
    found: dict[int, str] = {}
    rows = Skill.objects.filter(workspace_id=opening.workspace_id).values_list(
        "pk", "name", "aliases"
    )
    for pk, name, aliases in rows:
        terms = [name, *(a for a in aliases if isinstance(a, str))]
        if any(term_key(t) in wanted for t in terms):
            found[pk] = name
    return found


def _case_points(opening: Opening) -> tuple[str, list[Any]]:
    """SQL for the level, place and job type points of the profile `p`, with parameters."""
    params: list[Any] = []
    if opening.career_level:
        # The level's position (junior → senior) as a CASE; distance 0 → 20, 1 → 10.
        rank = "CASE p.career_level " + " ".join("WHEN %s THEN %s" for _v in LEVEL_ORDER)
        rank += " ELSE -99 END"
        rank_params = [x for i, v in enumerate(LEVEL_ORDER) for x in (v, i)]
        target = LEVEL_ORDER.index(opening.career_level)
        level = (
            "CASE WHEN p.career_level = '' THEN 5.0"
            f" WHEN ABS(({rank}) - %s) = 0 THEN 20.0"
            f" WHEN ABS(({rank}) - %s) = 1 THEN 10.0 ELSE 0.0 END"
        )
        params = [*rank_params, target, *rank_params, target]
    else:
        level = "10.0"
    if opening.work_mode == WorkMode.REMOTE:
        place = "CASE WHEN p.work_mode IN ('remote', 'hybrid', '') THEN 10.0 ELSE 0.0 END"
    elif opening.location:
        place = (
            "CASE WHEN LOWER(p.location) = LOWER(%s) AND p.work_mode <> 'remote' THEN 10.0"
            " WHEN LOWER(p.location) = LOWER(%s) THEN 5.0 ELSE 0.0 END"
        )
        params += [opening.location, opening.location]
    else:
        place = "0.0"
    job = "CASE WHEN p.job_type = %s THEN 10.0 WHEN p.job_type = '' THEN 5.0 ELSE 0.0 END"
    params.append(opening.job_type)
    return f"({level}) + ({place}) + ({job})", params


BEST = 500  # people with the most matched skills that set the bound (see ranking_sql)
OTHER_POINTS = 40.0  # the most level, place and job type can add together


def _where(opening: Opening, pool: TalentPool | None) -> tuple[str, list[Any]]:
    """Which profiles `p` may be ranked: not withdrawn, no candidacy yet, in the pool."""
    where = "p.workspace_id = %s AND p.consent_state <> %s"
    where += (
        " AND NOT EXISTS (SELECT 1 FROM recruiting_candidacy c"
        " WHERE c.opening_id = %s AND c.person_id = p.person_id)"
    )
    params: list[Any] = [opening.workspace_id, ConsentState.WITHDRAWN, opening.pk]
    if pool is not None:
        pool_sql, pool_params = pool_person_ids(pool).order_by().query.sql_with_params()
        where += f" AND p.person_id IN ({pool_sql})"
        params += list(pool_params)
    return where, params


def ranking_sql(
    opening: Opening, skill_ids: list[int], pool: TalentPool | None, limit: int
) -> tuple[str, list[Any]]:
    """The one query that ranks candidates: (person_id, score) rows, best first.

    With skills it starts from the skill tags (index-only on candidate_skill_filter) and
    counts each person's matched skills once (m). Scoring every holder of one of the skills
    would join most profiles at scale, so the query first scores the BEST people with the
    most matched skills; the `limit`-th best of those scores is a lower bound of the final
    `limit`-th score, and since level, place and job type add at most OTHER_POINTS, only
    people with matched × per_skill + OTHER_POINTS ≥ that bound can still make the list.
    Only they are scored (a profile lookup each). The result is exact.
    """
    points, point_params = _case_points(opening)
    where, where_params = _where(opening, pool)
    if not skill_ids:
        sql = (
            f"SELECT p.person_id, {points} AS score FROM recruiting_candidateprofile p"
            f" WHERE {where} ORDER BY score DESC, p.person_id DESC LIMIT %s"
        )
        return sql, [*point_params, *where_params, limit]
    per_skill = 60.0 / len(skill_ids)
    marks = ", ".join(["%s"] * len(skill_ids))
    profile_points = (
        f"(SELECT {points} FROM recruiting_candidateprofile p"
        f" WHERE p.person_id = m.person_id AND {where})"
    )
    scored = f"m.matched * {per_skill!r} + {profile_points}"
    sql = (
        "WITH m AS MATERIALIZED (SELECT person_id, COUNT(*) AS matched"
        " FROM recruiting_candidateskill"
        f" WHERE workspace_id = %s AND removed = %s AND skill_id IN ({marks})"
        " GROUP BY person_id),"
        " best AS (SELECT person_id, matched FROM m ORDER BY matched DESC, person_id DESC"
        " LIMIT %s),"
        f" best_scored AS (SELECT {scored.replace('m.', 'b.')} AS score FROM best b),"
        " bound AS (SELECT COALESCE((SELECT score FROM best_scored WHERE score IS NOT NULL"
        " ORDER BY score DESC LIMIT 1 OFFSET %s), 0) AS s)"
        f" SELECT person_id, score FROM (SELECT m.person_id, {scored} AS score FROM m"
        f" WHERE m.matched * {per_skill!r} + {OTHER_POINTS!r} >= (SELECT s FROM bound)) r"
        " WHERE score IS NOT NULL ORDER BY score DESC, person_id DESC LIMIT %s"
    )
    params = [opening.workspace_id, False, *skill_ids, BEST]
    params += [*point_params, *where_params, limit - 1]
    params += [*point_params, *where_params, limit]
    return sql, params


def has_all_skills_sql(skill_ids: list[int]) -> tuple[str, list[Any]]:
    """The profile `p` holds every one of these skills (CandidateProfile.skill_ids): a GIN
    containment test on PostgreSQL, json_each on SQLite (the HasAll lookup's SQL)."""
    ids = sorted(set(skill_ids))
    if connection.vendor == "postgresql":
        return "p.skill_ids @> %s::integer[]", [ids]
    return (
        "NOT EXISTS (SELECT 1 FROM json_each(%s) w WHERE w.value NOT IN"
        " (SELECT h.value FROM json_each(p.skill_ids) h))",
        [json.dumps(ids)],
    )


def holders_sql(
    opening: Opening, skill_ids: list[int], pool: TalentPool | None, limit: int
) -> tuple[str, list[Any]]:
    """The ranking of the people who hold every wanted skill only: (person_id, score) rows,
    best first, scored exactly as ranking_sql scores them (all skills matched)."""
    points, point_params = _case_points(opening)
    where, where_params = _where(opening, pool)
    holds, hold_params = has_all_skills_sql(skill_ids)
    n = len(skill_ids)
    per_skill = 60.0 / n
    sql = (
        f"SELECT p.person_id, {n} * {per_skill!r} + {points} AS score"
        f" FROM recruiting_candidateprofile p WHERE {where} AND {holds}"
        " ORDER BY score DESC, p.person_id DESC LIMIT %s"
    )
    return sql, [*point_params, *where_params, *hold_params, limit]


def holders_decide(
    rows: list[tuple[int, float]], skill_ids: list[int], limit: int
) -> list[tuple[int, float]] | None:
    """The holders' ranking is the whole answer when it fills the list and its last score
    beats the best anyone missing a skill can reach ((n - 1) skills and every other point);
    otherwise None (rank everyone)."""
    n = len(skill_ids)
    if len(rows) < limit or not rows:
        return None
    if rows[-1][1] <= (n - 1) * (60.0 / n) + OTHER_POINTS:
        return None
    return rows


def holders_first() -> bool:
    """Whether ranked_rows asks the holders first: only where a GIN index answers the
    containment (PostgreSQL); SQLite would read every profile's JSON for it."""
    return connection.vendor == "postgresql"


def _run(cursor: Any, sql: str, params: list[Any]) -> list[tuple[int, float]]:
    cursor.execute(sql, params)
    return [(row[0], float(row[1])) for row in cursor.fetchall()]


def ranked_rows(
    opening: Opening, skill_ids: list[int], pool: TalentPool | None, limit: int
) -> list[tuple[int, float]]:
    """Run the ranking. With skills, on PostgreSQL, first among the people holding all of
    them (one GIN containment scan): when that settles the list (holders_decide), nobody
    else can enter it; otherwise the full ranking runs. On PostgreSQL, for these statements
    only: no JIT (the subplans' cost estimate triggers it, and compiling took longer than
    the query) and enough work_mem for the per-person counts to stay in memory."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        if skill_ids and limit > 0 and holders_first():
            holders = _run(cursor, *holders_sql(opening, skill_ids, pool, limit))
            decided = holders_decide(holders, skill_ids, limit)
            if decided is not None:
                return decided
        return _run(cursor, *ranking_sql(opening, skill_ids, pool, limit))


@dataclass(frozen=True)
class _Words:
    """The reasons' wording, translated once per ranking (not once per candidate)."""

    levels: dict[str, str]
    types: dict[str, str]
    skills: str
    missing: str
    level: str
    unknown: str
    remote: str
    near: str
    far: str
    nowhere: str
    wants: str
    prefers: str


def _words() -> _Words:
    return _Words(
        levels={k: str(v) for k, v in CareerLevel.choices},
        types={k: str(v) for k, v in JobType.choices},
        skills=_("%(n)s of %(m)s skills: %(names)s"),
        missing=_("missing: %(names)s"),
        level=_("level %(have)s %(sign)s %(want)s"),
        unknown=_("unknown"),
        remote=_("remote ok"),
        near=_("in %(place)s"),
        far=_("elsewhere (%(place)s)"),
        nowhere=_("location unknown"),
        wants=_("wants %(type)s"),
        prefers=_("prefers %(type)s"),
    )


def _reasons(
    opening: Opening, profile: CandidateProfile, matched: list[str], missing: list[str], w: _Words
) -> list[str]:
    out = []
    if matched or missing:
        n, m = len(matched), len(matched) + len(missing)
        text = w.skills % {"n": n, "m": m, "names": ", ".join(matched) or "—"}
        if missing:
            text += "; " + w.missing % {"names": ", ".join(missing)}
        out.append(text)
    if opening.career_level:
        have = w.levels.get(profile.career_level, w.unknown)
        sign = "=" if profile.career_level == opening.career_level else "≠"
        out.append(w.level % {"have": have, "sign": sign, "want": w.levels[opening.career_level]})
    if opening.work_mode == WorkMode.REMOTE:
        if profile.work_mode in (WorkMode.REMOTE, WorkMode.HYBRID, ""):
            out.append(w.remote)
    elif opening.location and fold(profile.location) == fold(opening.location):
        out.append(w.near % {"place": profile.location})
    elif opening.location and profile.location:
        out.append(w.far % {"place": profile.location})
    elif opening.location:
        out.append(w.nowhere)
    if profile.job_type == opening.job_type:
        out.append(w.wants % {"type": w.types[opening.job_type]})
    elif profile.job_type:
        out.append(w.prefers % {"type": w.types[profile.job_type]})
    return out


def rematch(*, opening: Opening, pool: TalentPool | None = None, limit: int = TOP) -> list[Match]:
    """The best `limit` candidates for an opening (of a pool, or all), best first."""
    if pool is not None and pool.workspace_id != opening.workspace_id:
        raise ValidationError({"pool": _("Not found.")})
    wanted = opening_skill_ids(opening)
    rows = ranked_rows(opening, list(wanted), pool, limit)
    ids = [pk for pk, _score in rows]
    people = Person.objects.filter(pk__in=ids).only("first_name", "last_name").in_bulk()
    fields = ("person_id", "career_level", "job_type", "work_mode", "location", "skill_ids")
    profiles = {
        p.person_id: p for p in CandidateProfile.objects.filter(person_id__in=ids).only(*fields)
    }
    words = _words()
    out = []
    for pk, score in rows:
        profile = profiles[pk]
        have = set(profile.skill_ids)
        matched = [wanted[s] for s in wanted if s in have]
        missing = [wanted[s] for s in wanted if s not in have]
        out.append(
            Match(
                person=people[pk],
                score=round(score, 1),
                matched=matched,
                missing=missing,
                level=profile.career_level,
                reasons=_reasons(opening, profile, matched, missing, words),
            )
        )
    return out


# -- inviting -------------------------------------------------------------------------------


def candidacy_create_for_invitation(*, opening: Opening, person: Person, user: User) -> Candidacy:
    """A candidacy in the first active stage with source "rematch" (the candidacy service)."""
    recruiting_setup(workspace=opening.workspace)
    return candidacy_create(opening=opening, person=person, source="rematch", by=user)


def _invitation(opening: Opening, person: Person, user: User, notes: str) -> tuple[str, str]:
    variant = default_variant(person)
    source = template_source(workspace=opening.workspace, key=INVITATION_TEMPLATE, variant=variant)
    sender = sender_settings_for(workspace=opening.workspace, user=user)
    context = message_context(person=person, sender=sender, user=user, variant=variant, notes=notes)
    context["application_position"] = opening.title
    draft = render_draft(subject=source.subject, body=source.body, context=context)
    if not draft.ok:
        raise ValidationError({"template": draft.error})
    return draft.subject, draft.body


@dataclass
class Invited:
    candidacy: Candidacy
    message: OutboundMessage


@transaction.atomic
def rematch_invite(
    *, opening: Opening, person_ids: list[int], user: User, notes: str = ""
) -> list[Invited]:
    """Invite the chosen people to an opening: queue the invitation email and create the
    candidacy, for all of them or (on any error) for none."""
    ids = sorted(set(person_ids))
    if not ids or len(ids) > MAX_INVITE:
        raise ValidationError({"person": _("Choose 1 to %(n)s people.") % {"n": MAX_INVITE}})
    workspace: Workspace = opening.workspace
    people = list(Person.objects.filter(workspace=workspace, pk__in=ids).prefetch_related("emails"))
    if len(people) != len(ids):
        raise ValidationError({"person": _("Not found.")})
    withdrawn = CandidateProfile.objects.filter(
        person_id__in=ids, consent_state=ConsentState.WITHDRAWN
    ).exists()
    if withdrawn:
        raise ValidationError({"person": _("Someone chosen has withdrawn their consent.")})
    out = []
    for person in people:
        address = next((e.email for e in person.emails.all()), "")
        if not address:
            raise ValidationError(
                {"person": _("%(name)s has no email address.") % {"name": person.full_name}}
            )
        try:
            with transaction.atomic():
                candidacy = candidacy_create_for_invitation(
                    opening=opening, person=person, user=user
                )
        except IntegrityError:
            raise ValidationError(
                {"person": _("%(name)s is already a candidate.") % {"name": person.full_name}}
            ) from None
        subject, body = _invitation(opening, person, user, notes)
        message = message_queue_email(
            workspace=workspace,
            person=person,
            user=user,
            to_address=address,
            subject=subject,
            body=body,
            idempotency_key=f"rematch:{opening.pk}:{person.pk}",
            template_key=INVITATION_TEMPLATE,
        )
        out.append(Invited(candidacy=candidacy, message=message))
    return out


def rematch_opening_get(*, workspace: Workspace, pk: int) -> Opening:
    """An opening of this workspace, or 404."""
    opening = Opening.objects.filter(workspace=workspace, pk=pk).first()
    if opening is None:
        raise Http404
    return opening
