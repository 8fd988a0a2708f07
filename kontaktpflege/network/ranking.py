"""How warm an introduction is: a score and its reasons, as pure functions (seed 004).

Seed 004 asks who is easy to reach and how well you know them ("nur wenn Sie den anderen gut
genug kennen … kann man jemanden guten Gewissens weiterempfehlen") and says the time since
the last meeting matters. So the score adds, in this order of weight: the strength of my tie
to the introducer, how recently I was in touch with them, their circle, and how well they
reach the target (a direct tie beats one through a third person).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

STRENGTH_WORDS = {
    1: gettext_lazy("very weak"),
    2: gettext_lazy("weak"),
    3: gettext_lazy("medium"),
    4: gettext_lazy("good"),
    5: gettext_lazy("strong"),
}
CIRCLE_POINTS = {"core": 20, "active": 15, "network": 10, "unsorted": 5, "dormant": 3}
# (at most this many days since the last touch, points)
RECENCY_POINTS = ((30, 25), (90, 20), (180, 12), (365, 6))
LONG_AGO = 2


@dataclass(frozen=True)
class Factors:
    """What the score is computed from, for one introducer (or one first-degree person)."""

    strength: int  # my tie to them, 1–5
    days: int | None  # since my last touch with them; None when never
    circle: str
    degree: int  # 1 = they are at the target, 2 = they know the target, 3 = through a bridge
    onward: int  # the weakest tie from them to the target, 1–5 (5 for degree 1)
    reach: int = 1  # how many of the target's people they lead to


def recency_points(days: int | None) -> int:
    if days is None:
        return 0
    for limit, points in RECENCY_POINTS:
        if days <= limit:
            return points
    return LONG_AGO


def score(f: Factors) -> int:
    """Higher is warmer. Tie 6–30, recency 0–25, circle 3–20, onward 1–20, reach 0–5."""
    tie = max(1, min(f.strength, 5)) * 6
    # Someone who knows the target directly beats a stronger tie that needs a bridge.
    onward = 20 if f.degree <= 1 else (10 + f.onward * 2 if f.degree == 2 else f.onward)
    return (
        tie
        + recency_points(f.days)
        + CIRCLE_POINTS.get(f.circle, 5)
        + onward
        + min(max(f.reach - 1, 0), 5)
    )


def recency_text(days: int | None) -> str:
    if days is None:
        return _("no touch with you recorded")
    if days > 365:
        return _("last touch over a year ago")
    if days == 0:
        return _("last touch today")
    return ngettext("last touch %(days)d day ago", "last touch %(days)d days ago", days) % {
        "days": days
    }


def reasons(
    f: Factors, *, circle_label: str, target: str, bridge: str = "", how: str = ""
) -> list[str]:
    """Why the introduction ranks where it does, strongest factor first, translated."""
    out = [
        _("tie with you: %(word)s (%(n)d/5)")
        % {"word": STRENGTH_WORDS[max(1, min(f.strength, 5))], "n": f.strength},
        recency_text(f.days),
        _("circle: %(circle)s") % {"circle": circle_label},
    ]
    if f.degree == 2:
        out.append(_("knows %(name)s directly (%(how)s)") % {"name": target, "how": how})
    elif f.degree >= 3:
        out.append(_("knows %(bridge)s, who knows %(name)s") % {"bridge": bridge, "name": target})
    if f.reach > 1:
        out.append(
            ngettext("leads to %(n)d person there", "leads to %(n)d people there", f.reach)
            % {"n": f.reach}
        )
    return out
