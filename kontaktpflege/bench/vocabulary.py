"""Word pools for the data generator: German and English, kept small and realistic."""

from __future__ import annotations

from functools import cache

TAGS = [
    "Alumni TU München",
    "Alumni LMU",
    "Mentor",
    "Mentee",
    "Recruiting",
    "Headhunter",
    "Investor",
    "Design",
    "Design Thinking",
    "Python",
    "Data Science",
    "Produktmanagement",
    "Vertrieb",
    "Marketing",
    "HR",
    "Finanzen",
    "Stammtisch",
    "Konferenz",
    "Nachbarschaft",
    "Verein",
    "Freelancer",
    "Gründer",
    "Bewerbung 2024",
    "Speaker",
    "Podcast",
    "Open Source",
    "Board",
    "Kunde",
    "Partner",
    "Ehemalige Kollegen",
    "Uni Köln",
    "Rotary",
    "Silver Medallist",
    "Talent Pool",
    "Berlin",
    "Hamburg",
    "München",
    "Remote",
    "Leadership",
    "Coaching",
]

JOB_TITLES = [
    "Softwareentwicklerin",
    "Softwareentwickler",
    "Senior Software Engineer",
    "Teamleiter Entwicklung",
    "Head of Engineering",
    "CTO",
    "CEO",
    "Geschäftsführerin",
    "Geschäftsführer",
    "Produktmanagerin",
    "Product Manager",
    "UX Designer",
    "Data Scientist",
    "Recruiterin",
    "Talent Acquisition Manager",
    "HR Business Partner",
    "Personalreferentin",
    "Vertriebsleiter",
    "Key Account Manager",
    "Marketing Managerin",
    "Projektleiter",
    "Unternehmensberater",
    "Consultant",
    "Finanzbuchhalterin",
    "Controller",
    "Abteilungsleiterin",
    "Werkstudentin",
    "Professorin",
    "Researcher",
    "Agile Coach",
]

INDUSTRIES = [
    "Software",
    "Automobil",
    "Maschinenbau",
    "Beratung",
    "Finanzdienstleistungen",
    "Versicherungen",
    "Gesundheit",
    "Handel",
    "Medien",
    "Energie",
    "Logistik",
    "Öffentlicher Dienst",
    "Bildung",
    "Telekommunikation",
    "Chemie",
]

# Regions group people into communities; German cities dominate.
REGIONS = [
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt am Main",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Dresden",
    "Nürnberg",
    "Hannover",
    "Bremen",
    "Münster",
    "Freiburg im Breisgau",
    "Wien",
    "Zürich",
    "London",
    "Amsterdam",
    "New York",
    "Remote",
]

TOPICS_DE = [
    "Design Thinking",
    "die neue Stelle",
    "Bewerbung bei {org}",
    "Zielfirmenliste",
    "Gehaltsverhandlung",
    "Konferenz im Herbst",
    "Empfehlung für {org}",
    "Projekt-Rückblick",
    "Weiterbildung",
    "Gründungsidee",
    "Teamaufbau",
    "Mentoring",
    "Umzug nach {region}",
]
TOPICS_EN = [
    "design thinking",
    "the new role",
    "application at {org}",
    "target company list",
    "salary negotiation",
    "conference in autumn",
    "referral for {org}",
    "project retrospective",
    "training",
    "startup idea",
    "building the team",
    "mentoring",
    "moving to {region}",
]

# Summaries per channel (German, English) as the user would type them; {first} is the first
# participant's first name, {topic} one of the topics above (already filled in).
SUMMARIES: dict[str, tuple[list[str], list[str]]] = {
    "meeting": (
        [
            "Kaffee mit {first} – {topic}",
            "Mittagessen mit {first}",
            "Mittagessen mit {first}: {topic}",
            "Treffen mit {first} zu {topic}",
            "Spaziergang mit {first}",
            "Frühstück mit {first} – {topic}",
        ],
        [
            "Coffee with {first} – {topic}",
            "Lunch with {first}",
            "Lunch with {first} about {topic}",
            "Met {first} to talk about {topic}",
            "Walk with {first}",
            "Breakfast with {first} – {topic}",
        ],
    ),
    "call": (
        ["Telefonat: {topic}", "Telefonat mit {first}", "Videocall mit {first} – {topic}"],
        ["Call: {topic}", "Phone call with {first}", "Video call with {first} – {topic}"],
    ),
    "email": (
        ["E-Mail an {first}: {topic}", "Antwort von {first} zu {topic}", "Mail an {first}"],
        ["Email to {first}: {topic}", "Reply from {first} on {topic}", "Emailed {first}"],
    ),
    "linkedin": (
        ["LinkedIn-Nachricht an {first}", "LinkedIn: {first} gratuliert zur neuen Stelle"],
        ["LinkedIn message to {first}", "LinkedIn: congratulated {first} on the new role"],
    ),
    "xing": (["Xing-Nachricht an {first}"], ["Xing message to {first}"]),
    "whatsapp": (
        ["WhatsApp mit {first}", "Kurz per WhatsApp: {topic}"],
        ["WhatsApp with {first}", "Quick WhatsApp: {topic}"],
    ),
    "letter": (
        ["Karte an {first}", "Geburtstagskarte an {first}"],
        ["Card to {first}", "Birthday card to {first}"],
    ),
    "event": (
        ["{first} auf der Konferenz getroffen", "{first} beim Meetup gesehen"],
        ["Ran into {first} at the conference", "Saw {first} at the meetup"],
    ),
    "group_meeting": (
        ["Stammtisch mit {first}", "Teamessen mit {first} und anderen"],
        ["Meetup with {first}", "Team dinner with {first} and others"],
    ),
}

# Short notes on a touchpoint, per channel (German, English); "" picks from NOTES_ANY only.
TOUCH_NOTES: dict[str, tuple[list[str], list[str]]] = {
    "meeting": (
        [
            "{first} überlegt, im Frühjahr zu wechseln.",
            "Sie hat mir zwei Kontakte bei {org} angeboten.",
            "Nächstes Mal zahle ich.",
            "Gute Stimmung, wollen uns in drei Monaten wieder treffen.",
        ],
        [
            "{first} is thinking about moving on in spring.",
            "Offered to introduce me to two people at {org}.",
            "My turn to pay next time.",
            "Good mood, agreed to meet again in three months.",
        ],
    ),
    "call": (
        [
            "{first} ruft nächste Woche zurück.",
            "Kurz abgestimmt, Unterlagen folgen per Mail.",
            "Hat nach meinem Lebenslauf gefragt.",
        ],
        [
            "{first} will call back next week.",
            "Quick sync, documents to follow by email.",
            "Asked for my CV.",
        ],
    ),
    "email": (
        ["Link zum Artikel geschickt.", "Termin für Ende des Monats vorgeschlagen."],
        ["Sent the link to the article.", "Suggested a date at the end of the month."],
    ),
}
NOTES_ANY: tuple[list[str], list[str]] = (
    [
        "Nachfassen in zwei Wochen.",
        "Interessiert sich für {topic}.",
        "{first} kennt jemanden bei {org}.",
        "Grüße an die Familie ausrichten.",
    ],
    [
        "Follow up in two weeks.",
        "Interested in {topic}.",
        "{first} knows someone at {org}.",
        "Send regards to the family.",
    ],
)

# Notes on a person (German, English): one or two of these, filled in.
PERSON_NOTES: tuple[list[str], list[str]] = (
    [
        "Kennen uns seit dem Studium.",
        "Arbeitet viel remote, meistens vormittags erreichbar.",
        "Zwei Kinder, fährt gern Rennrad.",
        "Sehr gut vernetzt in {region}.",
        "Hat mir bei der letzten Bewerbung geholfen.",
        "Interessiert sich für {topic}.",
        "Trinkt keinen Kaffee, lieber Tee.",
        "Spricht auf Konferenzen über Produktstrategie.",
        "Möchte mittelfristig ins Ausland.",
        "Empfehlung von einer ehemaligen Kollegin.",
    ],
    [
        "We have known each other since university.",
        "Works remotely a lot, best reached in the morning.",
        "Two kids, keen road cyclist.",
        "Very well connected in {region}.",
        "Helped me with my last application.",
        "Interested in {topic}.",
        "Prefers tea over coffee.",
        "Speaks at conferences about product strategy.",
        "Would like to move abroad at some point.",
        "Recommended by a former colleague.",
    ],
)

# Company names per locale: a brand-like stem, a line of business and a legal form.
COMPANY_STEMS_DE = [
    "Nordlicht",
    "Elbwerk",
    "Rheinblick",
    "Alpenland",
    "Hansekontor",
    "Isartal",
    "Spreeufer",
    "Mainfeld",
    "Weserstahl",
    "Brückner",
    "Lindenhof",
    "Sonnenberg",
    "Falkenstein",
    "Eichenhain",
    "Bergmann",
    "Hohenwald",
    "Kranich",
    "Seeblick",
    "Moosburg",
    "Ostwind",
    "Westfalia",
    "Donautal",
    "Schwarzwald",
    "Lichtblick",
    "Silberfels",
    "Tannenberg",
    "Birkenweg",
    "Mühlbach",
    "Grünwerk",
    "Steinfeld",
    "Adlerhorst",
    "Rosenthal",
    "Kiefernhain",
    "Neckarbrücke",
    "Ahornweg",
    "Buchenau",
    "Wolkenstein",
    "Fichtelberg",
    "Ammersee",
    "Ruhrwerk",
]
COMPANY_LINES_DE = [
    "Software",
    "Logistik",
    "Maschinenbau",
    "Consulting",
    "Systeme",
    "Energie",
    "Medien",
    "Datentechnik",
    "Bau",
    "Analytik",
    "Medizintechnik",
    "Handel",
    "Finanzpartner",
    "Digital",
    "Automation",
    "Personalberatung",
    "Immobilien",
    "Elektrotechnik",
    "Versicherungsmakler",
    "Verlag",
]
COMPANY_FORMS_DE = ["GmbH", "GmbH", "GmbH", "AG", "SE", "GmbH & Co. KG"]
COMPANY_STEMS_EN = [
    "Northbridge",
    "Redwood",
    "Harbourside",
    "Bluestone",
    "Kingsley",
    "Ashford",
    "Silverline",
    "Oakridge",
    "Brightwater",
    "Greenfield",
    "Highgate",
    "Whitmore",
    "Fairview",
    "Stonebridge",
    "Riverside",
    "Westbrook",
    "Clearwater",
    "Hawthorne",
    "Pinecrest",
    "Lakeshore",
    "Crestwood",
    "Bramley",
    "Thornbury",
    "Evergreen",
    "Summit",
    "Meridian",
    "Beacon",
    "Holloway",
    "Marlow",
    "Kensington",
    "Windmill",
    "Foxglove",
    "Sterling",
    "Harrow",
    "Copperfield",
    "Elmstead",
    "Ravenscroft",
    "Millbrook",
    "Aldridge",
    "Wexford",
]
COMPANY_LINES_EN = [
    "Software",
    "Logistics",
    "Engineering",
    "Consulting",
    "Systems",
    "Energy",
    "Media",
    "Data",
    "Construction",
    "Analytics",
    "Medical",
    "Trading",
    "Capital",
    "Digital",
    "Automation",
    "Talent",
    "Properties",
    "Electronics",
    "Insurance",
    "Publishing",
]
COMPANY_FORMS_EN = ["Ltd", "Ltd", "Inc.", "LLC", "plc"]
# Every legal form, longest first (so "GmbH & Co. KG" is found before "KG").
LEGAL_FORMS = sorted(set(COMPANY_FORMS_DE + COMPANY_FORMS_EN), key=len, reverse=True)

# Channel weights of a realistic log.
CHANNEL_WEIGHTS = {
    "meeting": 24,
    "call": 20,
    "email": 24,
    "linkedin": 10,
    "xing": 3,
    "whatsapp": 10,
    "letter": 1,
    "event": 5,
    "group_meeting": 3,
}

HOW_WE_MET: tuple[list[str], list[str]] = (
    ["Studium", "Ehemalige Kollegen", "Konferenz", "Stammtisch", "Über LinkedIn", "Empfehlung"],
    ["University", "Former colleague", "Met at a conference", "Introduced by a friend"],
)

MAIL_DOMAINS = {
    "de": ["gmail.com", "web.de", "gmx.de", "posteo.de", "outlook.com", "t-online.de"],
    "en": ["gmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "proton.me"],
}
COMPANY_TLD = {"de": "de", "en": "co.uk"}
MOBILE_PREFIXES = ["151", "152", "157", "159", "160", "162", "170", "171", "172", "173", "174"]
MOBILE_PREFIXES += ["175", "176", "177", "178", "179"]


@cache
def company_parts(language: str) -> list[tuple[str, str]]:
    """Every (name, legal form) of a locale's list, in a fixed order."""
    de = language == "de"
    stems = COMPANY_STEMS_DE if de else COMPANY_STEMS_EN
    lines = COMPANY_LINES_DE if de else COMPANY_LINES_EN
    forms = COMPANY_FORMS_DE if de else COMPANY_FORMS_EN
    # The form follows from the name, so a name never appears with two forms.
    return [
        (f"{stem} {line}", forms[(s * len(lines) + n) % len(forms)])
        for s, stem in enumerate(stems)
        for n, line in enumerate(lines)
    ]


@cache
def company_names(language: str) -> list[str]:
    """The locale's company names, e.g. "Elbwerk Logistik GmbH" or "Redwood Data Ltd"."""
    return [f"{name} {form}" for name, form in company_parts(language)]
