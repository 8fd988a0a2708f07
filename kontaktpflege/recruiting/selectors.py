"""Reads of the recruiting side that check access: another workspace's rows are 404."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.keyset import KeysetPage, keys, keyset_page
from kontaktpflege.core.text import without_control_chars
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    CandidateProfile,
    Opening,
    PipelineStage,
    RecruitingSettings,
    RejectionReason,
    StageKind,
    StageMove,
    StageNote,
    TalentPool,
)


def recruiting_enabled(workspace: Workspace) -> bool:
    """Whether the workspace shows the recruiting screens (a team switched it on)."""
    return RecruitingSettings.objects.filter(workspace=workspace, enabled=True).exists()


def stages_for(workspace: Workspace) -> QuerySet[PipelineStage]:
    return PipelineStage.objects.filter(workspace=workspace).order_by("position", "id")


def recruiting_settings_get(workspace: Workspace) -> RecruitingSettings | None:
    return (
        RecruitingSettings.objects.filter(workspace=workspace).select_related("late_stage").first()
    )


def reasons_for(workspace: Workspace) -> QuerySet[RejectionReason]:
    return RejectionReason.objects.filter(workspace=workspace).order_by("position", "id")


def stage_find(*, workspace: Workspace, pk: int | None) -> PipelineStage | None:
    """A stage of this workspace by id, or None (a move to it is then refused, not a 404)."""
    if pk is None:
        return None
    return PipelineStage.objects.filter(workspace=workspace, pk=pk).first()


def opening_list(*, workspace: Workspace, status: str = "") -> QuerySet[Opening]:
    """Openings, newest first, with their number of candidacies (all and in progress)."""
    qs = Opening.objects.filter(workspace=workspace)
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        candidacy_count=Count("candidacies"),
        active_count=Count("candidacies", filter=Q(candidacies__stage__kind=StageKind.ACTIVE)),
    ).order_by("-created_at", "-id")


def opening_get(*, workspace: Workspace, pk: int) -> Opening:
    opening = Opening.objects.filter(workspace=workspace, pk=pk).first()
    if opening is None:
        raise Http404
    return opening


def candidacy_get(*, workspace: Workspace, pk: int) -> Candidacy:
    candidacy = (
        Candidacy.objects.filter(workspace=workspace, pk=pk)
        .select_related("person", "opening", "stage", "reached_stage", "workspace")
        .first()
    )
    if candidacy is None:
        raise Http404
    return candidacy


def candidacy_search(qs: QuerySet[Candidacy], q: str) -> QuerySet[Candidacy]:
    """Candidacies whose person's name, notes, stage notes or CV text contain every word."""
    for word in without_control_chars(q).split()[:8]:
        qs = qs.filter(
            Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(notes__icontains=word)
            | Exists(StageNote.objects.filter(candidacy=OuterRef("pk"), text__icontains=word))
            | Exists(
                CandidateDocument.objects.filter(
                    person=OuterRef("person_id"), workspace=OuterRef("workspace_id")
                ).filter(text__icontains=word)
            )
        )
    return qs


def candidacy_list(
    *, workspace: Workspace, opening: Opening | None = None, stage: int | None = None, q: str = ""
) -> QuerySet[Candidacy]:
    qs = Candidacy.objects.filter(workspace=workspace).select_related(
        "person", "opening", "stage", "reached_stage"
    )
    if opening is not None:
        qs = qs.filter(opening=opening)
    if stage is not None:
        qs = qs.filter(stage_id=stage)
    if q:
        qs = candidacy_search(qs, q)
    return qs.order_by("-updated_at", "-id")


BOARD_COLUMN_LIMIT = 100  # cards per stage on the board; the search narrows the rest


@dataclass
class Column:
    """One stage of an opening's board: its first candidacies by name and how many it has."""

    stage: PipelineStage
    cards: list[Candidacy] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def opening_board(*, opening: Opening, q: str = "", per_column: int | None = None) -> list[Column]:
    """The opening's candidacies grouped by stage, in the workspace's stage order, at most
    `per_column` (BOARD_COLUMN_LIMIT) cards per stage: two queries whatever the number."""
    limit = BOARD_COLUMN_LIMIT if per_column is None else per_column
    columns = {s.pk: Column(stage=s) for s in stages_for(opening.workspace)}
    qs = candidacy_list(workspace=opening.workspace, opening=opening, q=q)
    for stage_id, n in qs.order_by().values_list("stage_id").annotate(n=Count("id")):
        columns[stage_id].total = n
    by_name = [F("person__last_name").asc(), F("person__first_name").asc(), F("id").asc()]
    ranked = qs.annotate(
        row=Window(RowNumber(), partition_by=[F("stage_id")], order_by=by_name)
    ).filter(row__lte=limit)
    for candidacy in ranked.order_by(*by_name):
        columns[candidacy.stage_id].cards.append(candidacy)
    return list(columns.values())


def candidacy_history(*, candidacy: Candidacy) -> list[StageMove]:
    return list(
        StageMove.objects.filter(candidacy=candidacy)
        .select_related("from_stage", "to_stage", "moved_by")
        .order_by("created_at", "id")
    )


def candidacy_notes(*, candidacy: Candidacy) -> list[StageNote]:
    return list(
        StageNote.objects.filter(candidacy=candidacy)
        .select_related("stage", "author")
        .order_by("created_at", "id")
    )


def candidacy_documents(*, candidacy: Candidacy) -> list[CandidateDocument]:
    """The person's CVs in this workspace (a CV serves every candidacy of the person)."""
    return list(
        CandidateDocument.objects.filter(
            workspace_id=candidacy.workspace_id, person_id=candidacy.person_id
        ).order_by("-created_at", "-id")
    )


def document_get(*, workspace: Workspace, pk: int) -> CandidateDocument:
    document = CandidateDocument.objects.filter(workspace=workspace, pk=pk).first()
    if document is None:
        raise Http404
    return document


def is_silver_medallist(*, person: Person) -> bool:
    """Whether the person's candidate profile is flagged silver medallist (rejected late)."""
    return CandidateProfile.objects.filter(
        workspace_id=person.workspace_id, person=person, silver_medallist=True
    ).exists()


POOL_ORDER = keys("name", "id")


@dataclass
class PoolRow:
    """A talent pool with its live member count (up to pools.COUNT_CAP, `more` beyond)."""

    pool: TalentPool
    count: int
    more: bool


def pool_rows(talent_pools: Iterable[TalentPool]) -> list[PoolRow]:
    """The given pools with their live counts: one bounded count query per pool, so a list
    counts only the page it shows."""
    return [PoolRow(pool, *pools.pool_count(pool)) for pool in talent_pools]


def pool_page(*, workspace: Workspace, cursor: str | None, size: int) -> KeysetPage:
    """A page of the workspace's pools by name, each with its live count (a PoolRow)."""
    qs = TalentPool.objects.filter(workspace=workspace)
    page = keyset_page(qs, POOL_ORDER, cursor=cursor, size=size)
    page.object_list = pool_rows(page.object_list)
    return page


def pool_slice(*, workspace: Workspace, offset: int, limit: int) -> list[PoolRow]:
    """Pools `offset` to `offset + limit` by name (the API's paging), with live counts."""
    qs = TalentPool.objects.filter(workspace=workspace).order_by(*(k.order for k in POOL_ORDER))
    return pool_rows(qs[offset : offset + limit])
