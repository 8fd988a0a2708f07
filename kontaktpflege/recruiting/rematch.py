"""Re-matching: rank pool members (or every candidate) for an opening, with the reasons, and
invite the chosen ones in one step (a queued message and a candidacy each).

The score (0–100) is computed in the database so that a million candidates rank in one
query: skills 60 × matched / wanted, level 20 (equal) / 10 (one step apart) / 0, location or
work mode 10, job type 10 (5 when unknown). Only people with at least one of the opening's
skills are ranked when it names skills (a candidate with none of them is no match); people
who already have a candidacy for the opening are left out. Nothing protected by the AGG
takes part: level is the career level, never age.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast
from django.http import Http404
from django.utils import timezone
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
    CandidateSkill,
    CareerLevel,
    ConsentState,
    JobType,
    Opening,
    PipelineStage,
    Skill,
    StageKind,
    StageMove,
    TalentPool,
    WorkMode,
)
from kontaktpflege.recruiting.pools import pool_person_ids
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tags import skills_vocabulary_ensure, words

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
    wanted = {tuple(w for w, _s, _e in words(str(s))) for s in opening.skills or []}
    if not wanted:
        return {}
    skills_vocabulary_ensure(workspace=opening.workspace)
    found: dict[int, str] = {}
    for skill in Skill.objects.filter(workspace_id=opening.workspace_id):
        terms = [skill.name, *(a for a in skill.aliases if isinstance(a, str))]
        if any(tuple(w for w, _s, _e in words(t)) in wanted for t in terms):
            found[skill.pk] = skill.name
    return found


def _level_rank(field_name: str) -> Case:
    return Case(
        *(When(**{field_name: v}, then=Value(i)) for i, v in enumerate(LEVEL_ORDER)),
        default=Value(-99),
        output_field=IntegerField(),
    )


def _place_points(opening: Opening) -> Case | Value:
    """10 when location or work mode fit the opening."""
    if opening.work_mode == WorkMode.REMOTE:
        return Case(
            When(Q(work_mode__in=[WorkMode.REMOTE, WorkMode.HYBRID, ""]), then=Value(10.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    near = Q(location__iexact=opening.location) if opening.location else Q(pk__isnull=True)
    remote_only = Q(work_mode=WorkMode.REMOTE)
    return Case(
        When(near & ~remote_only, then=Value(10.0)),
        When(near, then=Value(5.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _ranked(opening: Opening, skill_ids: list[int], pool: TalentPool | None) -> QuerySet:
    skill_points: Any
    level_points: Any
    qs = CandidateProfile.objects.filter(workspace_id=opening.workspace_id)
    if pool is not None:
        qs = qs.filter(person_id__in=pool_person_ids(pool).order_by())
    qs = qs.exclude(consent_state=ConsentState.WITHDRAWN)
    qs = qs.filter(
        ~Exists(Candidacy.objects.filter(opening=opening, person_id=OuterRef("person_id")))
    )
    if skill_ids:
        qs = qs.filter(
            person__candidate_skills__skill_id__in=skill_ids,
            person__candidate_skills__removed=False,
        ).annotate(matched=Count("person__candidate_skills"))
        skill_points = Cast(F("matched"), FloatField()) * Value(60.0 / len(skill_ids))
    else:
        qs = qs.annotate(matched=Value(0))
        skill_points = Value(0.0)
    if opening.career_level:
        target = LEVEL_ORDER.index(opening.career_level)
        distance = Abs(_level_rank("career_level") - Value(target))
        level_points = Case(
            When(career_level="", then=Value(5.0)),
            default=Case(
                When(Q(distance=0), then=Value(20.0)),
                When(Q(distance=1), then=Value(10.0)),
                default=Value(0.0),
                output_field=FloatField(),
            ),
            output_field=FloatField(),
        )
        qs = qs.annotate(distance=distance)
    else:
        level_points = Value(10.0)
    job_points = Case(
        When(job_type=opening.job_type, then=Value(10.0)),
        When(job_type="", then=Value(5.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    qs = qs.annotate(score=skill_points + level_points + _place_points(opening) + job_points)
    return qs.order_by("-score", "-person_id")


def _reasons(
    opening: Opening, profile: CandidateProfile, matched: list[str], missing: list[str], wanted: int
) -> list[str]:
    out = []
    if wanted:
        text = _("%(n)s of %(m)s skills: %(names)s") % {
            "n": len(matched),
            "m": wanted,
            "names": ", ".join(matched) or "—",
        }
        if missing:
            text += "; " + _("missing: %(names)s") % {"names": ", ".join(missing)}
        out.append(text)
    levels = dict(CareerLevel.choices)
    if opening.career_level:
        have = str(levels.get(profile.career_level, _("unknown")))
        want = str(levels[opening.career_level])
        sign = "=" if profile.career_level == opening.career_level else "≠"
        out.append(
            _("level %(have)s %(sign)s %(want)s") % {"have": have, "sign": sign, "want": want}
        )
    if opening.work_mode == WorkMode.REMOTE:
        if profile.work_mode in (WorkMode.REMOTE, WorkMode.HYBRID, ""):
            out.append(_("remote ok"))
    elif opening.location and fold(profile.location) == fold(opening.location):
        out.append(_("in %(place)s") % {"place": profile.location})
    elif opening.location:
        out.append(_("elsewhere (%(place)s)") % {"place": profile.location or "—"})
    types = dict(JobType.choices)
    if profile.job_type == opening.job_type:
        out.append(_("wants %(type)s") % {"type": types[opening.job_type]})
    elif profile.job_type:
        out.append(_("prefers %(type)s") % {"type": types[profile.job_type]})
    return out


def rematch(*, opening: Opening, pool: TalentPool | None = None, limit: int = TOP) -> list[Match]:
    """The best `limit` candidates for an opening (of a pool, or all), best first."""
    if pool is not None and pool.workspace_id != opening.workspace_id:
        raise ValidationError({"pool": _("Not found.")})
    wanted = opening_skill_ids(opening)
    rows = list(_ranked(opening, list(wanted), pool).values("person_id", "score")[:limit])
    ids = [r["person_id"] for r in rows]
    people = Person.objects.filter(pk__in=ids).in_bulk()
    profiles = {p.person_id: p for p in CandidateProfile.objects.filter(person_id__in=ids)}
    have: dict[int, set[int]] = {}
    held = CandidateSkill.objects.filter(person_id__in=ids, skill_id__in=wanted, removed=False)
    for person_id, skill_id in held.values_list("person_id", "skill_id"):
        have.setdefault(person_id, set()).add(skill_id)
    out = []
    for row in rows:
        pk, profile = row["person_id"], profiles[row["person_id"]]
        matched = [wanted[s] for s in wanted if s in have.get(pk, set())]
        missing = [wanted[s] for s in wanted if s not in have.get(pk, set())]
        out.append(
            Match(
                person=people[pk],
                score=round(float(row["score"]), 1),
                matched=matched,
                missing=missing,
                level=profile.career_level,
                reasons=_reasons(opening, profile, matched, missing, len(wanted)),
            )
        )
    return out


# -- inviting -------------------------------------------------------------------------------


def candidacy_create_for_invitation(*, opening: Opening, person: Person, user: User) -> Candidacy:
    """A candidacy in the first active stage, source "rematch" (the smallest version of the
    candidacy service; the full one with its checks lives in services.py)."""
    recruiting_setup(workspace=opening.workspace)
    stage = (
        PipelineStage.objects.filter(workspace_id=opening.workspace_id, kind=StageKind.ACTIVE)
        .order_by("position", "id")
        .first()
    )
    if stage is None:
        raise ValidationError({"opening": _("The pipeline has no active stage.")})
    now = timezone.now()
    candidacy = Candidacy.objects.create(
        workspace_id=opening.workspace_id,
        person=person,
        opening=opening,
        stage=stage,
        reached_position=stage.position,
        reached_stage=stage,
        stage_changed_at=now,
        source="rematch",
    )
    StageMove.objects.create(
        workspace_id=opening.workspace_id, candidacy=candidacy, to_stage=stage, moved_by=user
    )
    return candidacy


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
