"""The data generator at a tiny scale: consistent, valid and deterministic."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from django.core.validators import validate_email
from django.db import connection
from django.db.models import Count, F, Max

from kontaktpflege.bench.generator import generate
from kontaktpflege.contacts.models import (
    EmailAddress,
    Employment,
    Organisation,
    Person,
    PhoneNumber,
    Relationship,
)
from kontaktpflege.contacts.search import filter_search
from kontaktpflege.touchpoints.models import Participation, Touchpoint

NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def counts(workspace):
    return generate(workspace=workspace, scale="XS", seed=7, now=NOW)


def _generated(workspace):
    return Person.objects.filter(workspace=workspace, user__isnull=True)


def test_it_creates_the_requested_numbers(workspace, counts):
    assert counts["people"] == 80 == _generated(workspace).count()
    assert counts["touchpoints"] == 500 == Touchpoint.objects.filter(workspace=workspace).count()
    assert counts["organisations"] == Organisation.objects.filter(workspace=workspace).count()
    assert counts["relationships"] == Relationship.objects.filter(workspace=workspace).count()
    assert counts["participations"] == Participation.objects.count()


def test_explicit_counts_override_the_scale(workspace):
    counts = generate(workspace=workspace, scale="S", people=30, touchpoints=40, now=NOW)
    assert (counts["people"], counts["touchpoints"]) == (30, 40)


def test_last_touched_matches_the_latest_participation(workspace, counts):
    latest = dict(
        Participation.objects.values("person_id")
        .annotate(m=Max("occurred_at"))
        .values_list("person_id", "m")
    )
    for person in _generated(workspace):
        assert person.last_touched_at == latest.get(person.pk)
    assert len(latest) > 10


def test_touchpoints_have_one_to_three_participants_within_five_years(workspace, counts):
    sizes = Touchpoint.objects.annotate(n=Count("participants")).values_list("n", flat=True)
    assert set(sizes) <= {1, 2, 3}
    oldest = Touchpoint.objects.order_by("occurred_at").first().occurred_at
    newest = Touchpoint.objects.order_by("-occurred_at").first().occurred_at
    assert NOW - dt.timedelta(days=5 * 365 + 1) <= oldest
    assert newest < NOW
    # A participation copies its touchpoint's time, channel and give/take.
    mismatched = Participation.objects.exclude(
        occurred_at=F("touchpoint__occurred_at"),
        channel=F("touchpoint__channel"),
        give_take=F("touchpoint__give_take"),
    )
    assert not mismatched.exists()
    assert Participation.objects.exclude(give_take="").exists()


def test_edges_are_ordered_unique_and_within_the_workspace(workspace, counts):
    pairs = list(Relationship.objects.values_list("from_person_id", "to_person_id"))
    assert all(a < b for a, b in pairs)
    assert len(pairs) == len(set(pairs))
    ids = set(Person.objects.filter(workspace=workspace).values_list("id", flat=True))
    assert {p for pair in pairs for p in pair} <= ids


def test_contact_points_are_valid(workspace, counts):
    for email in EmailAddress.objects.values_list("email", flat=True):
        validate_email(email)
    numbers = list(PhoneNumber.objects.values_list("number", flat=True))
    assert numbers
    for number in numbers:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number


def test_employment_has_one_current_position_at_the_persons_organisation(workspace, counts):
    for person in _generated(workspace).exclude(organisation=None):
        current = list(Employment.objects.filter(person=person, is_current=True))
        assert [e.organisation_id for e in current] == [person.organisation_id]
        for past in Employment.objects.filter(person=person, is_current=False):
            assert past.end_date and past.start_date < past.end_date


def test_generated_people_are_found_by_search_with_umlaut_variants(workspace, counts):
    person = _generated(workspace).order_by("id").first()
    qs = Person.objects.filter(workspace=workspace)
    assert person in filter_search(qs, f"{person.first_name} {person.last_name}")
    assert person.search_text
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM contacts_person_fts")
            assert cursor.fetchone()[0] >= 80


def test_the_search_text_is_what_the_services_would_write(workspace, counts):
    from kontaktpflege.contacts.search import build_search_text

    through = Person.tags.through.objects.order_by("id")
    checked = 0
    for person in _generated(workspace).select_related("organisation"):
        tags = list(through.filter(person=person).values_list("tag__name", flat=True))
        emails = person.emails.order_by("-is_primary", "id").values_list("email", flat=True)
        expected = build_search_text(
            person,
            organisation=person.organisation.name if person.organisation else "",
            tags=tags,
            emails=list(emails),
        )
        assert person.search_text == expected
        checked += bool(tags) and bool(person.notes)
    assert checked > 3


def test_the_circles_follow_the_intended_shares(workspace):
    generate(workspace=workspace, scale="S", people=2000, touchpoints=10, now=NOW)
    shares = dict(_generated(workspace).values_list("circle").annotate(n=Count("id")))
    assert 10 <= shares.get("core", 0) <= 80
    assert 120 <= shares["active"] <= 280
    assert 850 <= shares["network"] <= 1150


def test_the_same_seed_gives_the_same_data(workspace, charlie):
    generate(workspace=workspace, scale="XS", seed=3, now=NOW)
    generate(workspace=charlie.active_workspace, scale="XS", seed=3, now=NOW)

    def fingerprint(ws):
        people = _generated(ws).order_by("id")
        return (
            list(people.values_list("first_name", "last_name", "circle", "last_touched_at")),
            list(
                Touchpoint.objects.filter(workspace=ws)
                .order_by("id")
                .values_list("summary", "channel", "occurred_at")
            ),
        )

    assert fingerprint(workspace) == fingerprint(charlie.active_workspace)


def _dump(workspace) -> dict[str, list[tuple]]:
    """Every generated row of every table the generator fills, in id order.

    Ids the database chose (not the generator) are left out: sequences are not rolled back.
    """
    from kontaktpflege.bench.generator import BULK_MODELS

    dump = {}
    for model in [Organisation, *BULK_MODELS]:
        chosen = model in (Organisation, Person, Touchpoint)
        names = [f.attname for f in model._meta.concrete_fields if chosen or not f.primary_key]
        rows = model.objects.all()
        if any(f.name == "workspace" for f in model._meta.fields):
            rows = rows.filter(workspace=workspace)
        if model is Person.tags.through:  # tags are made by the ORM: compare them by name
            names = ["person_id", "tag__name"]
        dump[model._meta.db_table] = list(rows.order_by("pk").values_list(*names))
    return dump


def _generate_and_undo(workspace, **options) -> tuple[dict[str, int], dict[str, list[tuple]]]:
    """Generate, take every row, then roll back (ids start from the same place next time)."""
    from django.db import transaction

    with transaction.atomic():
        counts = generate(workspace=workspace, scale="XS", seed=5, now=NOW, **options)
        dump = _dump(workspace)
        transaction.set_rollback(True)
    return counts, dump


def _indexes() -> dict[str, set[str]]:
    from kontaktpflege.bench.generator import BULK_MODELS

    with connection.cursor() as cursor:
        return {
            m._meta.db_table: set(
                connection.introspection.get_constraints(cursor, m._meta.db_table)
            )
            for m in BULK_MODELS
        }


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_copy_and_executemany_write_the_same_rows(workspace):
    copied = _generate_and_undo(workspace, method="copy")
    inserted = _generate_and_undo(workspace, method="executemany")
    assert copied[0] == inserted[0]
    assert sum(len(rows) for rows in copied[1].values()) > 1000
    assert copied[1] == inserted[1]


def test_a_load_without_indexes_writes_the_same_rows_and_rebuilds_every_index(workspace):
    before = _indexes()
    plain = _generate_and_undo(workspace, rebuild_indexes=False)
    rebuilt = _generate_and_undo(workspace, rebuild_indexes=True)
    assert plain == rebuilt
    assert _indexes() == before
    assert sum(len(names) for names in before.values()) > 20


def test_copy_is_refused_where_the_database_has_none(workspace):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has COPY")
    with pytest.raises(ValueError, match="copy"):
        generate(workspace=workspace, scale="XS", method="copy", now=NOW)
    assert not _generated(workspace).exists()
