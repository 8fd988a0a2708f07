"""Synthetic, realistic data for benchmarks and the demo: German and English, deterministic.

Fast by design: rows go in as chunks with ids chosen here (no per-row services, no ORM
objects): on PostgreSQL through COPY, on SQLite through `executemany` in large
transactions with the bulk-load pragmas of `_bulk_load`. A large run drops the tables'
secondary indexes and builds them again at the end (one sort instead of millions of
random B-tree inserts). L (1M / 10M) streams in chunks with flat memory for everything
but a few per-person arrays. The search text and the SQLite FTS rows are written as the
services would. The rows depend only on the seed, `now`, language and zone — not on the
writing method (a test compares COPY with executemany).

Python per row is what limits it: the touchpoints' random draws are numpy arrays per chunk
(seeded by the seed and the chunk's number), only their texts are put together row by row;
names, slugs, domains and folded search parts are computed once per distinct value.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker import Faker

from kontaktpflege.accounts.models import Membership, Workspace
from kontaktpflege.bench import vocabulary as vocab
from kontaktpflege.contacts.models import (
    EmailAddress,
    Employment,
    Organisation,
    Person,
    PhoneNumber,
    Relationship,
    Tag,
)
from kontaktpflege.contacts.search import NAME_END, index_people
from kontaktpflege.core.text import fold
from kontaktpflege.core.timeutils import local_day_start
from kontaktpflege.followups.services import workspace_zone
from kontaktpflege.touchpoints.models import Participation, Touchpoint

CHUNK = 20_000
# From this many touchpoints on, secondary indexes are dropped for the load and rebuilt.
REBUILD_INDEXES_FROM = 100_000
YEARS = 5
# Touchpoints happen between these local hours, and this share of them on weekdays.
DAY_HOURS = (8, 19)
WEEKDAY_SHARE = 0.9


@dataclass(frozen=True)
class Scale:
    """How much to generate: people, touchpoints, and "knows" edges each person starts."""

    people: int
    touchpoints: int
    edges_per_person: float


SCALES = {
    "XS": Scale(people=80, touchpoints=500, edges_per_person=3),
    "S": Scale(people=1_000, touchpoints=10_000, edges_per_person=4),
    "M": Scale(people=30_000, touchpoints=300_000, edges_per_person=7),
    "L": Scale(people=1_000_000, touchpoints=10_000_000, edges_per_person=7),
    # Warm-introduction paths on a large graph (design.md): 100k people, ≥ 1M relationships
    # (17 a person gives about 1.06M; 13 gave only 841k).
    "L-graph": Scale(people=100_000, touchpoints=100_000, edges_per_person=17),
}
# Share of people per circle (core, active, network, rest dormant) and touch weights.
CIRCLE_SHARES = (("core", 0.02), ("active", 0.10), ("network", 0.50))
CIRCLE_TOUCH_WEIGHT = {"core": 40.0, "active": 12.0, "network": 2.0, "dormant": 0.4}
# Exponent on a uniform number for "days ago": > 1 leans recent, < 1 leans old.
CIRCLE_RECENCY = {"core": 2.0, "active": 1.5, "network": 1.0, "dormant": 0.5}


class _Table:
    """Buffered inserts into one model's table: COPY on PostgreSQL, else executemany."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], method: str) -> None:
        meta = model._meta
        columns: list[str] = [meta.get_field(f).column for f in fields]  # type: ignore[union-attr,misc]
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        self.method = method
        self.copy_sql = f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(meta.db_table), names, ", ".join(["%s"] * len(columns))
        )
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def extend(self, rows: Iterable[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if self.method == "copy":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def _next_id(model: type[models.Model]) -> int:
    top = model.objects.aggregate(m=models.Max("id"))["m"]  # type: ignore[attr-defined]
    return (top or 0) + 1


@functools.lru_cache(maxsize=100_000)
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(text)) or "x"


@dataclass
class _People:
    """What later phases need to know about every generated person (index = id - base)."""

    base: int
    first: list[str] = field(default_factory=list)
    circle: list[str] = field(default_factory=list)
    org: list[int] = field(default_factory=list)  # organisation index, -1 for none
    region: list[int] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)


class Generator:
    """One run of the generator for one workspace."""

    def __init__(
        self,
        workspace: Workspace,
        scale: Scale,
        seed: int,
        now: dt.datetime,
        language: str,
        method: str,
        rebuild_indexes: bool,
    ) -> None:
        self.ws = workspace
        self.seed = seed
        self.method = method
        self.rebuild_indexes = rebuild_indexes
        self.scale = scale
        self.rng = random.Random(seed)
        self.now = now
        self.today = now.date()
        self.stamp = self._dt(now)
        self.counts: dict[str, int] = {}
        # The workspace's language: the user writes every summary and note in it.
        self.lang = language
        self.de = language == "de"
        self._names(seed)
        self._folded: dict[str, str] = {}
        self._domains: dict[str, str] = {}

    # -- values -------------------------------------------------------------------------

    def _dt(self, value: dt.datetime) -> Any:
        if self.method == "executemany" and value.tzinfo is dt.UTC:
            return str(value.replace(tzinfo=None))  # what SQLite's adapter makes of it, faster
        return connection.ops.adapt_datetimefield_value(value)

    def _date(self, value: dt.date | None) -> Any:
        if value is None or connection.vendor != "sqlite":
            return value
        return value.isoformat()  # what SQLite's adapter makes of it, faster

    def _names(self, seed: int) -> None:
        """Name pools from Faker (drawing from pools is much faster than Faker per row)."""
        self.pools: dict[str, dict[str, list[str]]] = {}
        for lang, locale in (("de", "de_DE"), ("en", "en_US")):
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.pools[lang] = {
                "f": sorted({fake.first_name_female() for _ in range(400)}),
                "m": sorted({fake.first_name_male() for _ in range(400)}),
                "last": sorted({fake.last_name() for _ in range(800)}),
            }
        side = 0 if self.de else 1  # German or English half of the vocabulary's pairs
        self.topics = vocab.TOPICS_DE if self.de else vocab.TOPICS_EN
        self.summaries = {channel: pair[side] for channel, pair in vocab.SUMMARIES.items()}
        self.touch_notes = {
            channel: vocab.TOUCH_NOTES.get(channel, ([], []))[side] + vocab.NOTES_ANY[side]
            for channel in vocab.SUMMARIES
        }
        self.person_notes = vocab.PERSON_NOTES[side]
        self.how_we_met = vocab.HOW_WE_MET[side]
        # Umlauts and ß on purpose: search must find Müller as Mueller and muller.
        self.pools["de"]["last"] += ["Müller", "Schäfer", "Köhler", "Weiß", "Groß", "Jürgens"]
        self.pools["de"]["f"] += ["Käthe", "Zoë", "Lüdia"][:2]
        self.pools["de"]["m"] += ["Jürgen", "Björn", "Sören", "Jörg"]

    # -- phases -------------------------------------------------------------------------

    def _table(self, model: type[models.Model], fields: Sequence[str]) -> _Table:
        return _Table(model, fields, self.method)

    def run(self) -> dict[str, int]:
        owner = Membership.objects.filter(workspace=self.ws, role="owner").first()
        self.owner_id = owner.user_id if owner else None
        with _bulk_load(rebuild_indexes=self.rebuild_indexes):
            with transaction.atomic():
                self.orgs = self._organisations()
                self.tags = self._tags()
            self.people = self._people()
            with transaction.atomic():
                self._relationships()
            self._touchpoints()
            # PostgreSQL rewrites every updated row: cheaper before the indexes are built.
            sqlite = connection.vendor == "sqlite"
            if not sqlite:
                with transaction.atomic():
                    self._last_touched()
        with transaction.atomic():
            if sqlite:  # its per-person lookups need the participations' index
                self._last_touched()
            self._reset_sequences()
        self._analyze()
        return self.counts

    def _organisations(self) -> list[tuple[int, str, int]]:
        """About one organisation per 15 people, ~5% of them target companies."""
        n = max(3, self.scale.people // 15)
        rng, base = self.rng, _next_id(Organisation)
        table = self._table(
            Organisation,
            [
                "id",
                "workspace",
                "created_at",
                "updated_at",
                "name",
                "name_folded",
                "industry",
                "region",
                "website",
                "notes",
                "is_target",
                "target_priority",
                "target_status",
            ],
        )
        orgs, seen = [], set()
        for i, name in enumerate(company_names_for(self.lang, n, rng)):
            if fold(name) in seen:  # only where two names fold alike
                name = f"{name} {i}"
            seen.add(fold(name))
            region = rng.randrange(len(vocab.REGIONS))
            target = rng.random() < 0.05
            table.add(
                (
                    base + i,
                    self.ws.pk,
                    self.stamp,
                    self.stamp,
                    name,
                    fold(name),
                    rng.choice(vocab.INDUSTRIES),
                    vocab.REGIONS[region],
                    f"https://www.{self._domain(name)}",
                    "",
                    target,
                    rng.randint(1, 5),
                    rng.choice(["idea", "researching", "contacted", "in_talks"]),
                )
            )
            orgs.append((base + i, name, region))
        table.flush()
        self.counts["organisations"] = table.count
        return orgs

    def _tags(self) -> list[tuple[int, str]]:
        tags = []
        for name in vocab.TAGS:
            tag, _created = Tag.objects.get_or_create(workspace=self.ws, name=name)
            tags.append((tag.pk, tag.name))
        self.counts["tags"] = len(tags)
        return tags

    def _people(self) -> _People:
        """People with emails, phones, tags, employment history and search text, in chunks."""
        people = _People(base=_next_id(Person))
        self.base = people.base
        tables = self._people_tables()
        for start in range(0, self.scale.people, CHUNK):
            with transaction.atomic():
                fts = [
                    self._person(people, i, tables)
                    for i in range(start, min(start + CHUNK, self.scale.people))
                ]
                for table in tables.values():
                    table.flush()
                index_people(fts)
        for name, table in tables.items():
            self.counts[name] = table.count
        return people

    def _people_tables(self) -> dict[str, _Table]:
        stamps = ["workspace", "created_at", "updated_at"]
        return {
            "people": self._table(Person, ["id", *stamps, *PERSON_FIELDS]),
            "emails": self._table(
                EmailAddress, [*stamps, "person", "email", "label", "is_primary"]
            ),
            "phones": self._table(
                PhoneNumber, [*stamps, "person", "number", "label", "is_primary"]
            ),
            "person_tags": self._table(Person.tags.through, ["person", "tag"]),
            "employments": self._table(
                Employment,
                [
                    *stamps,
                    "person",
                    "organisation",
                    "title",
                    "start_date",
                    "end_date",
                    "is_current",
                ],
            ),
        }

    def _person(self, people: _People, i: int, tables: dict[str, _Table]) -> tuple[int, str]:
        rng, pk = self.rng, people.base + i
        lang = self.lang if rng.random() < 0.8 else ("en" if self.de else "de")
        gender = "f" if rng.random() < 0.5 else "m"
        first = rng.choice(self.pools[lang][gender])
        last = rng.choice(self.pools[lang]["last"])
        circle = _circle(rng.random())
        org = rng.randrange(len(self.orgs)) if rng.random() < 0.9 else -1
        org = int(len(self.orgs) * rng.random() ** 1.6) if org >= 0 else -1  # a few big ones
        region = self.orgs[org][2] if org >= 0 and rng.random() < 0.7 else rng.randrange(20)
        title = rng.choice(vocab.JOB_TITLES) if org >= 0 else ""
        people.first.append(first)
        people.circle.append(circle)
        people.org.append(org)
        people.region.append(region)
        people.lang.append(lang)
        emails = self._emails(pk, first, last, org, tables["emails"])
        self._phones(pk, tables["phones"])
        tag_names = self._person_tags(pk, tables["person_tags"])
        self._employment(pk, org, title, tables["employments"])
        person = self._person_row(pk, first, last, gender, lang, circle, org, region, title)
        org_name = self.orgs[org][1] if org >= 0 else ""
        text = self._search_text(person, org_name, tag_names, emails)
        tables["people"].add((pk, self.ws.pk, self.stamp, self.stamp, *person[:-1], text))
        return pk, text

    def _search_text(
        self, person: tuple, organisation: str, tags: list[str], emails: list[str]
    ) -> str:
        """`build_search_text` of the person, folding each part once per run.

        Folding works letter by letter and a space stops the ae/oe/ue rule, so the folded
        parts joined by spaces are the fold of the joined text (a test checks it).
        """
        cache = self._folded
        parts = [person[2], person[0], person[1]]  # academic title, first and last name
        name = " ".join([cache.get(p) or cache.setdefault(p, fold(p)) for p in parts if p])
        rest = [organisation, person[5], person[12], *tags]  # job title, location, tags
        folded = [cache.get(p) or cache.setdefault(p, fold(p)) for p in rest if p]
        folded += [fold(e) for e in emails]
        notes = person[22]
        if notes:
            folded.append(fold(notes))
        return name + NAME_END + " ".join([f for f in folded if f])

    def _person_row(
        self,
        pk: int,
        first: str,
        last: str,
        gender: str,
        lang: str,
        circle: str,
        org: int,
        region: int,
        title: str,
    ) -> tuple:
        rng = self.rng
        has_birthday = rng.random() < 0.6
        met_on = self.today - dt.timedelta(days=rng.randrange(3650)) if rng.random() < 0.5 else None
        slug = f"{_slug(first)}-{_slug(last)}-{pk}"
        # Introductions point backwards, to someone generated earlier in this run.
        introducer = (
            rng.randrange(self.base, pk) if pk > self.base and rng.random() < 0.05 else None
        )
        return (
            first,
            last,
            "Dr." if rng.random() < 0.05 else "",
            gender,
            self.orgs[org][0] if org >= 0 else None,
            title,
            f"https://www.linkedin.com/in/{slug}" if rng.random() < 0.5 else "",
            f"https://www.xing.com/profile/{slug}" if lang == "de" and rng.random() < 0.15 else "",
            "",
            rng.randint(1, 28) if has_birthday else None,
            rng.randint(1, 12) if has_birthday else None,
            rng.randint(1955, 2002) if has_birthday and rng.random() < 0.5 else None,
            vocab.REGIONS[region],
            lang,
            "du" if circle in ("core", "active") and rng.random() < 0.6 else "sie",
            rng.choice(["", "", "email", "call", "meeting", "linkedin", "whatsapp"]),
            rng.choice(self.how_we_met) if rng.random() < 0.4 else "",
            self._date(met_on),
            "",  # origin: added by hand
            introducer,
            circle,
            rng.choice([14, 60, 120]) if rng.random() < 0.03 else None,
            self._notes(org, region),
            "",  # search_text placeholder, replaced by the caller
        )

    def _notes(self, org: int, region: int) -> str:
        """A person's notes: none for most, one or two short sentences for some."""
        rng = self.rng
        if rng.random() >= 0.3:
            return ""
        chosen = rng.sample(self.person_notes, rng.randint(1, 2))
        topic = self._topic(org, region)
        return " ".join(text.format(topic=topic, region=vocab.REGIONS[region]) for text in chosen)

    def _topic(self, org: int, region: int) -> str:
        return self.rng.choice(self.topics).format(
            org=self.orgs[org][1] if org >= 0 else self.orgs[0][1], region=vocab.REGIONS[region]
        )

    def _domain(self, company: str) -> str:
        """The web and mail domain of a company: its name without the legal form."""
        domain = self._domains.get(company)
        if domain is None:
            domain = self._domains[company] = self._make_domain(company)
        return domain

    def _make_domain(self, company: str) -> str:
        for form in vocab.LEGAL_FORMS:
            if company.endswith(" " + form):
                company = company[: -len(form) - 1]
                break
        return f"{_slug(company)[:40]}.{vocab.COMPANY_TLD[self.lang]}"

    def _emails(self, pk: int, first: str, last: str, org: int, table: _Table) -> list[str]:
        rng = self.rng
        local = f"{_slug(first)}.{_slug(last)}"
        emails = []
        if org >= 0 and rng.random() < 0.6:
            emails.append(f"{local}@{self._domain(self.orgs[org][1])}")
        if not emails or rng.random() < 0.3:
            domain = rng.choice(vocab.MAIL_DOMAINS[self.lang])
            emails.append(f"{local}{rng.randrange(100)}@{domain}")
        for n, email in enumerate(emails):
            table.add((self.ws.pk, self.stamp, self.stamp, pk, email, "", n == 0))
        return emails

    def _phones(self, pk: int, table: _Table) -> None:
        rng = self.rng
        count = 0 if rng.random() < 0.4 else (2 if rng.random() < 0.15 else 1)
        numbers = {
            "+49" + rng.choice(vocab.MOBILE_PREFIXES) + f"{rng.randrange(10**7, 10**8)}"
            for _ in range(count)
        }
        for n, number in enumerate(sorted(numbers)):
            table.add((self.ws.pk, self.stamp, self.stamp, pk, number, "mobil", n == 0))

    def _person_tags(self, pk: int, table: _Table) -> list[str]:
        chosen = self.rng.sample(self.tags, self.rng.choice([0, 0, 1, 1, 2, 3]))
        for tag_id, _name in chosen:
            table.add((pk, tag_id))
        return [name for _id, name in chosen]

    def _employment(self, pk: int, org: int, title: str, table: _Table) -> None:
        """The current position and up to two earlier ones, each ending when the next began."""
        if org < 0:
            return
        rng = self.rng
        start = self.today - dt.timedelta(days=rng.randrange(30, 3000))
        rows: list[tuple[int, str, dt.date, dt.date | None, bool]] = [
            (self.orgs[org][0], title, start, None, True)
        ]
        for _ in range(rng.choice([0, 0, 1, 2])):
            until = start
            start = until - dt.timedelta(days=rng.randrange(300, 2000))
            other = self.orgs[rng.randrange(len(self.orgs))][0]
            rows.append((other, rng.choice(vocab.JOB_TITLES), start, until, False))
        for org_id, job, begin, end, current in rows:
            table.add(
                (
                    self.ws.pk,
                    self.stamp,
                    self.stamp,
                    pk,
                    org_id,
                    job,
                    self._date(begin),
                    self._date(end),
                    current,
                )
            )

    # -- the graph ---------------------------------------------------------------------

    def _relationships(self) -> None:
        """Edges mostly within an organisation, some within a region, a few bridges.

        Each edge is started by its lower id towards a higher one, so no pair repeats and
        no global set of pairs is needed even at scale L.
        """
        people, rng = self.people, self.rng
        communities = _groups(people.org)
        regions = _groups(people.region)
        position = dict.fromkeys(communities, 0)
        table = self._table(
            Relationship,
            [
                "workspace",
                "created_at",
                "updated_at",
                "from_person",
                "to_person",
                "strength",
                "context",
                "notes",
            ],
        )
        self._self_edges(table)
        for i in range(len(people.org)):
            partners = self._partners(i, communities, regions, position)
            for j, context in sorted(partners.items()):
                strength = rng.randint(2, 5) if context == "colleague" else rng.randint(1, 4)
                table.add(
                    (
                        self.ws.pk,
                        self.stamp,
                        self.stamp,
                        people.base + i,
                        people.base + j,
                        strength,
                        context,
                        "",
                    )
                )
        table.flush()
        self.counts["relationships"] = table.count

    def _partners(
        self,
        i: int,
        communities: dict[int, list[int]],
        regions: dict[int, list[int]],
        position: dict[int, int],
    ) -> dict[int, str]:
        people, rng = self.people, self.rng
        wanted = rng.randint(0, int(2 * self.scale.edges_per_person))
        partners: dict[int, str] = {}
        org = people.org[i]
        if org >= 0:
            members, pos = communities[org], position[org]
            position[org] = pos + 1
            later = len(members) - pos - 1
            for k in rng.sample(range(pos + 1, len(members)), min(later, int(wanted * 0.75))):
                partners[members[k]] = "colleague" if rng.random() < 0.7 else "former_colleague"
        local = regions[people.region[i]]
        for _ in range(max(1, wanted - len(partners))):
            j = local[rng.randrange(len(local))]
            if j > i and j not in partners:
                partners[j] = rng.choice(["friend", "club", "studies", "event", "customer"])
        if rng.random() < 0.05 and i + 1 < len(people.org):
            j = rng.randrange(i + 1, len(people.org))  # a bridge between communities
            partners.setdefault(j, "event")
        return partners

    def _self_edges(self, table: _Table) -> None:
        """The user's own node knows the core and active circles well."""
        me = Person.objects.filter(workspace=self.ws, user__isnull=False).order_by("id").first()
        if me is None or me.pk >= self.people.base:
            return
        for i, circle in enumerate(self.people.circle):
            if circle in ("core", "active"):
                strength = 5 if circle == "core" else 4
                table.add(
                    (
                        self.ws.pk,
                        self.stamp,
                        self.stamp,
                        me.pk,
                        self.people.base + i,
                        strength,
                        "friend",
                        "",
                    )
                )

    # -- the log -----------------------------------------------------------------------

    def _touchpoints(self) -> None:
        """Touchpoints over five years, 1–3 participants, realistic channels, in chunks.

        The random draws of a chunk are numpy arrays from a generator seeded by the run's
        seed and the chunk's number; only the texts are put together row by row.
        """
        people = self.people
        n_people = len(people.circle)
        circles = list(CIRCLE_TOUCH_WEIGHT)
        code = np.array([circles.index(c) for c in people.circle], dtype=np.int64)
        cum = np.cumsum(np.array([CIRCLE_TOUCH_WEIGHT[c] for c in circles])[code])
        recency = np.array([CIRCLE_RECENCY[c] for c in circles])[code]
        org_of = np.array(people.org, dtype=np.int64)
        # Each organisation's people (ascending), as one array with offsets.
        members = np.argsort(org_of, kind="stable")
        firsts = np.searchsorted(org_of[members], np.arange(len(self.orgs) + 1))
        pool_start, pool_size = firsts[:-1], np.diff(firsts)
        base = _next_id(Touchpoint)
        tps = self._table(
            Touchpoint,
            [
                "id",
                "workspace",
                "created_at",
                "updated_at",
                "occurred_at",
                "channel",
                "direction",
                "summary",
                "notes",
                "give_take",
                "created_by",
                "source",
            ],
        )
        parts = self._table(
            Participation, ["touchpoint", "person", "occurred_at", "channel", "give_take"]
        )
        channels, channel_weights = zip(*vocab.CHANNEL_WEIGHTS.items(), strict=True)
        channel_cum = np.cumsum(channel_weights)
        day_start, weekday = self._days()
        last_day = len(day_start) - 1
        now = int(self.now.timestamp())
        low, high = DAY_HOURS
        texts = _TouchTexts(self)
        for start in range(0, self.scale.touchpoints, CHUNK):
            size = min(CHUNK, self.scale.touchpoints - start)
            u = np.random.default_rng([self.seed, 7, start // CHUNK]).random((15, size))
            who = np.minimum(np.searchsorted(cum, u[0] * cum[-1], side="right"), n_people - 1)
            picked = np.searchsorted(channel_cum, u[1] * channel_cum[-1], side="right")
            # Days ago (leaning recent for closer circles), off the weekend most of the time,
            # a daytime moment, and never later than an hour before now.
            ago = (YEARS * 365 * u[2] ** recency[who]).astype(np.int64)
            day = weekday[ago]
            ago = np.where((day >= 5) & (u[3] < WEEKDAY_SHARE), ago + day - 4, ago)
            ago = np.minimum(ago, last_day)
            offset = ((low + (high - low) * u[4]) * 3600).astype(np.int64)
            when = day_start[ago] + offset
            late = when > now - 3600
            when = np.where(late, day_start[np.minimum(ago + 1, last_day)] + offset, when)
            # 0–2 more participants: colleagues where the organisation has some, else anyone.
            extra = (u[5] >= 0.7).astype(np.int64) + (u[5] >= 0.9)
            org = org_of[who]
            size_of = np.where(org >= 0, pool_size[org], 0)
            chosen = np.full((size, 3), -1, dtype=np.int64)
            chosen[:, 0] = who
            for k, column in ((1, u[6]), (2, u[7])):
                colleague = members[
                    np.minimum(pool_start[org] + (column * size_of).astype(np.int64), n_people - 1)
                ]
                anyone = (column * n_people).astype(np.int64)
                pick = np.where(size_of > 1, colleague, anyone)
                chosen[:, k] = np.where(extra >= k, pick, -1)
            chosen.sort(axis=1)
            chosen[:, 1:][chosen[:, 1:] == chosen[:, :-1]] = -1
            row, column = np.nonzero(chosen >= 0)
            stamps = self._stamps(when)
            tp_ids = (base + start + np.arange(size)).tolist()
            kinds = [channels[c] for c in picked.tolist()]
            text_rows = list(texts.rows(who, picked, u[8:]))
            with transaction.atomic():
                head = (self.ws.pk, self.stamp, self.stamp)
                tail = (self.owner_id, "generator")
                tps.extend(
                    (tp_id, *head, when_at, kind, *text, *tail)
                    for tp_id, kind, when_at, text in zip(
                        tp_ids, kinds, stamps, text_rows, strict=True
                    )
                )
                # A participation copies its touchpoint's time, channel and give/take.
                parts.extend(
                    (tp_id, person_id, stamps[r], kinds[r], text_rows[r][3])
                    for r, tp_id, person_id in zip(
                        row.tolist(),
                        (base + start + row).tolist(),
                        (people.base + chosen[row, column]).tolist(),
                        strict=True,
                    )
                )
                tps.flush()
                parts.flush()
        self.counts["touchpoints"] = tps.count
        self.counts["participations"] = parts.count

    def _stamps(self, seconds: np.ndarray) -> list[Any]:
        """UTC moments (epoch seconds) as the database's adapter would write them."""
        text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
        text = np.char.replace(text, "T", " ")
        if self.method == "executemany":  # what SQLite's adapter makes of a UTC datetime
            return text.tolist()
        return [f"{t}+00:00" for t in text.tolist()]

    def _days(self) -> tuple[np.ndarray, np.ndarray]:
        """Per day back from today (index = days ago): its local start (epoch s), weekday."""
        zone = workspace_zone(self.ws)
        today = self.now.astimezone(zone).date()
        starts, weekdays = [], []
        for ago in range(YEARS * 365 + 1):
            day = today - dt.timedelta(days=ago)
            starts.append(int(local_day_start(day, zone).timestamp()))
            weekdays.append(day.weekday())
        return np.array(starts, dtype=np.int64), np.array(weekdays, dtype=np.int64)

    # -- finishing -------------------------------------------------------------------

    def _last_touched(self) -> None:
        """Person.last_touched_at = the latest participation, as touchpoint_log keeps it."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One aggregate over all participations, joined by hash: at L a million
                # correlated lookups took minutes.
                cursor.execute(
                    "UPDATE contacts_person SET last_touched_at = latest.at FROM ("
                    " SELECT person_id, MAX(occurred_at) AS at FROM touchpoints_participation"
                    " WHERE person_id >= %s GROUP BY person_id) AS latest"
                    " WHERE contacts_person.id = latest.person_id"
                    " AND contacts_person.workspace_id = %s",
                    [self.people.base, self.ws.pk],
                )
                return
            cursor.execute(
                "UPDATE contacts_person SET last_touched_at = ("
                " SELECT MAX(pa.occurred_at) FROM touchpoints_participation pa"
                " WHERE pa.person_id = contacts_person.id)"
                " WHERE workspace_id = %s AND id >= %s",
                [self.ws.pk, self.people.base],
            )

    def _reset_sequences(self) -> None:
        """Ids were chosen here; let the database's sequences continue after them."""
        sql = connection.ops.sequence_reset_sql(no_style(), [Organisation, Person, Touchpoint])
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)

    def _analyze(self) -> None:
        """Fresh planner statistics: the benchmarks should see what a used database sees."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _TouchTexts:
    """Direction, summary, notes and give/take of touchpoints, from pre-drawn numbers."""

    DIRECTIONS = ("out", "out", "in", "mutual", "mutual")

    def __init__(self, gen: Generator) -> None:
        people = gen.people
        self.first = people.first
        self.region = [vocab.REGIONS[r] for r in people.region]
        self.org = [gen.orgs[o][1] if o >= 0 else gen.orgs[0][1] for o in people.org]
        channels = list(vocab.CHANNEL_WEIGHTS)
        self.summaries = [gen.summaries[c] for c in channels]
        self.notes = [gen.touch_notes[c] for c in channels]
        self.topics = gen.topics

    def rows(
        self, who: np.ndarray, channel: np.ndarray, u: np.ndarray
    ) -> Iterator[tuple[str, str, str, str]]:
        first, region, org, topics = self.first, self.region, self.org, self.topics
        summaries, notes, directions = self.summaries, self.notes, self.DIRECTIONS
        n_topics = len(topics)
        direction = (u[0] * len(directions)).astype(np.int64).tolist()
        roll, note_roll = u[1].tolist(), u[3].tolist()
        topic = (u[5] * n_topics).astype(np.int64).tolist()
        for k, (i, c, pick, note_pick) in enumerate(
            zip(who.tolist(), channel.tolist(), u[2].tolist(), u[4].tolist(), strict=True)
        ):
            values = {
                "first": first[i],
                "topic": topics[topic[k]].format(org=org[i], region=region[i]),
                "org": org[i],
            }
            options = summaries[c]
            summary = options[int(pick * len(options))].format_map(values)[:300]
            text = ""
            if note_roll[k] < 0.2:
                options = notes[c]
                text = options[int(note_pick * len(options))].format_map(values)
            r = roll[k]
            give_take = "give" if r < 0.10 else ("take" if r < 0.17 else "")
            yield directions[direction[k]], summary, text, give_take


# The tables the generator fills, whose secondary indexes a large run rebuilds.
BULK_MODELS: list[type[models.Model]] = [
    Person,
    EmailAddress,
    PhoneNumber,
    Person.tags.through,
    Employment,
    Relationship,
    Touchpoint,
    Participation,
]
SQLITE_BULK_PRAGMAS = {"synchronous": "OFF", "cache_size": "-1000000", "temp_store": "MEMORY"}


@contextmanager
def _bulk_load(*, rebuild_indexes: bool) -> Iterator[None]:
    """Settings for a bulk load, restored afterwards; optionally without secondary indexes.

    SQLite: no fsync per commit, a 1 GB page cache, temporary sorts in memory and no
    foreign-key checks (the rows are consistent by construction; the tests check them).
    PostgreSQL: commits without waiting for the WAL flush, more memory for index builds and,
    for a superuser, no foreign-key triggers (session_replication_role = replica).
    Data of a crash mid-load may be lost either way, which is acceptable for generated data.
    """
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        saved: dict[str, Any] = {}
        if sqlite:
            pragmas = {**SQLITE_BULK_PRAGMAS, "foreign_keys": "OFF"}
            if connection.in_atomic_block:  # these two stay as they are inside a transaction
                pragmas = {
                    k: v for k, v in pragmas.items() if k not in ("synchronous", "foreign_keys")
                }
            for name, value in pragmas.items():
                cursor.execute(f"PRAGMA {name}")
                saved[name] = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA {name} = {value}")
        else:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SELECT current_setting('is_superuser')")
            replica = cursor.fetchone()[0] == "on"
            if replica:  # no per-row foreign-key triggers (only a superuser may skip them)
                cursor.execute("SET session_replication_role = replica")
        dropped = _drop_indexes(cursor) if rebuild_indexes else []
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if dropped:
                _settle_deferred_checks(cursor)
            for statement in dropped:
                cursor.execute(statement)
            if sqlite:
                for name, value in saved.items():
                    cursor.execute(f"PRAGMA {name} = {value}")
            else:
                cursor.execute("RESET synchronous_commit")
                cursor.execute("RESET maintenance_work_mem")
                if replica:
                    cursor.execute("RESET session_replication_role")


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the bulk tables' non-unique indexes; returns the statements that rebuild them."""
    tables = [m._meta.db_table for m in BULK_MODELS]
    marks = ", ".join(["%s"] * len(tables))
    if connection.vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks}) ORDER BY name",
            tables,
        )
    else:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            f" AND tablename IN ({marks}) ORDER BY indexname",
            tables,
        )
    found = [(name, sql) for name, sql in cursor.fetchall() if "UNIQUE" not in sql.upper()]
    if found:
        _settle_deferred_checks(cursor)
    for name, _sql in found:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def _settle_deferred_checks(cursor: Any) -> None:
    """PostgreSQL alters no index of a table with deferred checks pending in the transaction."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# Person columns after id/workspace/created_at/updated_at, in _person_row's order.
PERSON_FIELDS = [
    "first_name",
    "last_name",
    "academic_title",
    "gender",
    "organisation",
    "job_title",
    "linkedin_url",
    "xing_url",
    "website",
    "birthday_day",
    "birthday_month",
    "birthday_year",
    "location",
    "language",
    "form_of_address",
    "preferred_channel",
    "how_we_met",
    "met_on",
    "origin",
    "introduced_by",
    "circle",
    "keep_in_touch_days",
    "notes",
    "search_text",
]


def _circle(roll: float) -> str:
    for name, share in CIRCLE_SHARES:
        if roll < share:
            return name
        roll -= share
    return "dormant"


def _groups(keys: Iterable[int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return groups


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def generate(
    *,
    workspace: Workspace,
    scale: str = "S",
    seed: int = 1,
    people: int | None = None,
    touchpoints: int | None = None,
    now: dt.datetime | None = None,
    language: str | None = None,
    method: str | None = None,
    rebuild_indexes: bool | None = None,
) -> dict[str, int]:
    """Fill a workspace with generated data at a named scale; returns the row counts.

    `people` and `touchpoints` override the scale's numbers (for tests and experiments).
    Summaries, notes and company names are in `language` (default: the workspace's), and
    touchpoints fall in the daytime of the workspace's zone. The same seed, `now`,
    language and zone give the same data, whichever the writing `method` ("copy", PostgreSQL
    only, its default; "executemany" elsewhere). `rebuild_indexes` (default: from
    REBUILD_INDEXES_FROM touchpoints on) drops secondary indexes for the load.
    """
    vendor_default = "copy" if connection.vendor == "postgresql" else "executemany"
    method = method or vendor_default
    if method not in ("copy", "executemany") or (method == "copy" and vendor_default != "copy"):
        raise ValueError(f"unknown writing method for {connection.vendor}: {method}")
    spec = SCALES[scale]
    spec = Scale(
        people=spec.people if people is None else people,
        touchpoints=spec.touchpoints if touchpoints is None else touchpoints,
        edges_per_person=spec.edges_per_person,
    )
    if rebuild_indexes is None:
        rebuild_indexes = spec.touchpoints >= REBUILD_INDEXES_FROM
    now = (now or timezone.now()).replace(microsecond=0)
    language = language or workspace_language(workspace)
    return Generator(workspace, spec, seed, now, language, method, rebuild_indexes).run()


def workspace_language(workspace: Workspace) -> str:
    """The workspace's language ("de" or "en"): its setting, else its owner's, else German."""
    name = (workspace.settings or {}).get("language", "")
    if name not in ("de", "en"):
        name = (
            Membership.objects.filter(workspace=workspace, role="owner")
            .order_by("id")
            .values_list("user__language", flat=True)
            .first()
        )
    return name if name in ("de", "en") else "de"


def company_names_for(language: str, n: int, rng: random.Random) -> list[str]:
    """`n` different company names from the locale's list; beyond it, with a city added."""
    names = vocab.company_names(language)
    if n <= len(names):
        return rng.sample(names, n)
    out = list(names)
    rng.shuffle(out)
    cities = [region for region in vocab.REGIONS if region != "Remote"]
    parts = vocab.company_parts(language)
    for k in range(n - len(out)):
        name, form = parts[k % len(parts)]
        city = cities[k // len(parts) % len(cities)]
        suffix = "" if k < len(parts) * len(cities) else f" {k}"
        out.append(f"{name} {city}{suffix} {form}")
    return out
