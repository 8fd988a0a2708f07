"""Demo data that reads true: one language per workspace, daytime touchpoints, local companies."""

from __future__ import annotations

import datetime as dt
import random
import re
from zoneinfo import ZoneInfo

import pytest

from kontaktpflege.accounts.services import user_create
from kontaktpflege.bench import vocabulary as vocab
from kontaktpflege.bench.generator import company_names_for, generate
from kontaktpflege.contacts.models import EmailAddress, Organisation, Person
from kontaktpflege.core.text import fold
from kontaktpflege.touchpoints.models import Touchpoint

NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)

# Words that only one of the two languages uses in notes and summaries.
ENGLISH_WORDS = {"with", "the", "about", "and", "call", "lunch", "coffee", "from", "met", "to"}
GERMAN_WORDS = {"mit", "und", "der", "das", "über", "telefonat", "kaffee", "von", "zu", "kurz"}
GERMAN_FORMS = ("GmbH", "AG", "SE", "KG", "GmbH & Co. KG")
ENGLISH_FORMS = ("Ltd", "Inc.", "LLC", "plc")


def _owner(username: str, language: str, zone: str):
    return user_create(
        username=username,
        email=f"{username}@example.org",
        password="pw-" + username + "-123",
        first_name=username.title(),
        language=language,
        time_zone=zone,
    )


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-zäöüß]+", text.lower()))


def _texts(workspace) -> list[str]:
    tps = Touchpoint.objects.filter(workspace=workspace)
    people = Person.objects.filter(workspace=workspace, user__isnull=True)
    return [
        *tps.values_list("summary", flat=True),
        *tps.exclude(notes="").values_list("notes", flat=True),
        *people.exclude(notes="").values_list("notes", flat=True),
    ]


@pytest.mark.parametrize(("language", "foreign"), [("de", ENGLISH_WORDS), ("en", GERMAN_WORDS)])
def test_notes_and_summaries_are_in_the_workspace_language(db, language, foreign):
    user = _owner(f"owner{language}", language, "Europe/Berlin")
    generate(workspace=user.active_workspace, scale="XS", seed=5, now=NOW)
    texts = _texts(user.active_workspace)
    assert len(texts) > 500
    wrong = [text for text in texts if _words(text) & foreign]
    assert wrong == []


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_touchpoints_happen_in_daytime_mostly_on_weekdays_in_the_workspace_zone(db, zone):
    user = _owner("erik", "en", zone)
    generate(workspace=user.active_workspace, scale="XS", seed=9, now=NOW)
    local = [
        when.astimezone(ZoneInfo(zone))
        for when in Touchpoint.objects.filter(workspace=user.active_workspace).values_list(
            "occurred_at", flat=True
        )
    ]
    assert len(local) == 500
    outside = [t for t in local if not dt.time(7) <= t.time() <= dt.time(20)]
    assert outside == []
    weekend = [t for t in local if t.weekday() >= 5]
    assert len(weekend) < 0.2 * len(local)
    assert max(local) < NOW


@pytest.mark.parametrize(
    ("language", "forms", "other"),
    [("de", GERMAN_FORMS, ENGLISH_FORMS), ("en", ENGLISH_FORMS, GERMAN_FORMS)],
)
def test_company_names_come_from_the_locale_list(db, language, forms, other):
    user = _owner(f"firm{language}", language, "Europe/Berlin")
    generate(workspace=user.active_workspace, scale="S", people=600, touchpoints=10, now=NOW)
    names = list(
        Organisation.objects.filter(workspace=user.active_workspace).values_list("name", flat=True)
    )
    assert len(names) == 40
    assert set(names) <= set(vocab.company_names(language))
    assert all(name.endswith(forms) for name in names)
    assert not [name for name in names if name.endswith(other)]
    assert len(set(names)) == len(names)


def test_company_websites_and_mail_domains_leave_out_the_legal_form(db):
    user = _owner("hanna", "de", "Europe/Berlin")
    generate(workspace=user.active_workspace, scale="S", people=300, touchpoints=0, now=NOW)
    expected = {}
    for name in Organisation.objects.filter(workspace=user.active_workspace).values_list(
        "name", flat=True
    ):
        longest_first = sorted(GERMAN_FORMS, key=len, reverse=True)
        body = next(name.removesuffix(" " + form) for form in longest_first if name.endswith(form))
        expected[name] = re.sub(r"[^a-z0-9]+", "", fold(body)) + ".de"
    websites = dict(
        Organisation.objects.filter(workspace=user.active_workspace).values_list("name", "website")
    )
    assert websites == {name: f"https://www.{domain}" for name, domain in expected.items()}
    domains = {
        email.split("@")[1]
        for email in EmailAddress.objects.filter(person__workspace=user.active_workspace)
        .exclude(person__user__isnull=False)
        .values_list("email", flat=True)
    }
    company_domains = domains - set(vocab.MAIL_DOMAINS["de"])
    assert company_domains
    assert company_domains <= set(expected.values())


def test_company_names_stay_unique_and_local_beyond_the_list():
    wanted = len(vocab.company_names("de")) * 3
    names = company_names_for("de", wanted, random.Random(1))
    assert len(names) == wanted
    assert len({fold(name) for name in names}) == wanted
    assert all(name.endswith(GERMAN_FORMS) for name in names)
