"""Plain-English summaries drafted from a diff.

Every number in a sentence is one of the diff's numbers, rounded for reading,
and means what a reader thinks it means:

* each faction has one headline number, the net change of its ground, with the
  percentage of that number beside it ("Islamic State's ground shrank by 635
  km² (-0.44%)"); gross gains and losses follow in a clause when both matter;
* "lost N km² to B" and "N km² of it from A" come from the faction's ledger of
  claims (:mod:`frontmap.analysis.claims`), so they add up to its losses and
  gains in the table;
* factions are named by their display names; a place is "near" a piece only
  within the diff's ``near_km``, else "40 km north-east of Kharkiv";
* changes and pockets smaller than the story threshold (``min_story_km2``, by
  default 1 km² or 0.5% of the faction's change, whichever is larger) stay in
  the tables but get no sentence; repeated events of one kind near one place
  make one sentence.
"""

from __future__ import annotations

from collections import defaultdict

from .change import Diff, Event
from .claims import Claim
from .measure import CONTESTED, UNASSIGNED

__all__ = [
    "summarize",
    "summary_sentences",
    "km2_text",
    "pct_text",
    "possessive",
    "story_threshold",
    "MIN_STORY_KM2",
    "MIN_STORY_SHARE",
]

#: the smallest change that gets a sentence or a label, unless ``min_story_km2`` says
MIN_STORY_KM2 = 1.0
#: ... or this share of the faction's change (gained + lost), whichever is larger
MIN_STORY_SHARE = 0.005
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def km2_text(x: float) -> str:
    """812 km², 1,790 km², 4.3 km², 0.4 km², less than 0.1 km² (some ground, but less
    than one decimal shows: never "0.0 km²" for ground that is there)."""
    x = abs(x)
    if 0 < x < 0.05:
        return "less than 0.1 km²"
    if x >= 10:
        return f"{x:,.0f} km²"
    return f"{x:,.1f} km²"


def pct_text(p: float) -> str:
    """-1.2%, +0.02%, less than 0.01%: enough digits to show the change is not zero."""
    if abs(p) >= 1:
        return f"{p:+.1f}%"
    if abs(p) >= 0.01:
        return f"{p:+.2f}%"
    return "less than 0.01%" if p else "0%"


def possessive(name: str) -> str:
    """Islamic State's, the allies' (a name ending in s takes the apostrophe alone)."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def adjectival(name: str) -> bool:
    """A name that is an adjective ("Russian-held"): it takes "ground" after it."""
    return name.endswith(("-held", "-controlled"))


def whose(name: str, thing: str) -> str:
    """"Islamic State's pocket", "the Russian-held pocket" (a name that is an
    adjective), "the pocket held by X and Y" (a name that would make an awkward
    possessive)."""
    if adjectival(name):
        return f"the {name} {thing}"
    if name.endswith(")") or " and " in name:
        return f"the {thing} held by {name}"
    return f"{possessive(name)} {thing}"


def _ground_of(name: str) -> str:
    """Whose ground: "Islamic State's ground", "Russian-held ground" (a name that is an
    adjective), "ground held by Turkish-backed rebels (Euphrates Shield)"."""
    return whose(name, "ground").removeprefix("the ")


#: a place names all of a faction's ground from (or to) one counterpart only when
#: its largest piece is at least this share of it; else the sentence says how much
#: of it was there ("(610 km² of it near Kurakhove)")
WHERE_SHARE = 0.9


def where_of(claims: list[Claim]) -> str:
    """Where claims were: " near Hama" when their largest piece is nearly all of them,
    else " (610 km² of it near Kurakhove)"; "" when no place is known."""
    biggest = max(claims, key=lambda c: c.area_km2)
    if biggest.where is None:
        return ""
    there = biggest.area_km2 if biggest.near_area_km2 is None else biggest.near_area_km2
    if there >= WHERE_SHARE * sum(c.area_km2 for c in claims):
        return f" {biggest.where.text()}"
    return f" ({km2_text(there)} of it {biggest.where.text()})"


def _count(n: int) -> str:
    return _NUMBERS[n] if n < len(_NUMBERS) else f"{n:,}"


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _area(e: Event) -> float:
    details: dict = dict(e.details)
    return float(details.get("area_km2") or 0.0)


def _tail(named: list[str]) -> str:
    """', 554 km² of it to A and 58 km² of it to B' (nothing when nothing is named)."""
    return f", {' and '.join(named)}" if named else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def story_threshold(d: Diff, faction: str) -> float:
    """The smallest change of ``faction`` worth a sentence or a label."""
    if d.min_story_km2 is not None:
        return d.min_story_km2
    try:
        f = d.faction(faction)
    except KeyError:
        return MIN_STORY_KM2
    return max(MIN_STORY_KM2, MIN_STORY_SHARE * (f.gained_km2 + f.lost_km2))


class _Writer:
    """Drafts the sentences of one diff, remembering which ledger lines it has used."""

    def __init__(self, d: Diff):
        self.d = d
        self.said: set[tuple[str, str]] = set()
        # the ledger, per faction and side: counterpart -> (km², the largest claim)
        self.gains: dict[str, dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
        self.losses: dict[str, dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
        for c in d.claims:
            if c.counts_for in ("both", "to"):
                self.gains[c.to_holder][c.from_holder].append(c)
            if c.counts_for in ("both", "from"):
                self.losses[c.from_holder][c.to_holder].append(c)

    def name(self, holder: str) -> str:
        return self.d.name(holder)

    def where(self, claims: list[Claim]) -> str:
        return where_of(claims)

    def counterpart(self, holder: str, side: str) -> str | None:
        """How a sentence names the other side of a claim (None: not worth naming)."""
        if holder == UNASSIGNED:
            if not self.d.clipped:  # the area of interest is only where factions are
                return None
            return "ground no faction held" if side == "gain" else "no faction"
        if holder == CONTESTED:
            return "ground several factions claimed" if side == "gain" else "several factions"
        return self.name(holder)

    def moves(self, faction: str, side: str, floor: float) -> list[tuple[str, float, str]]:
        """(counterpart, km², where) of a side of the ledger, largest first, above ``floor``."""
        book = self.gains if side == "gain" else self.losses
        out = []
        for other, claims in book.get(faction, {}).items():
            km2 = sum(c.area_km2 for c in claims)
            if km2 >= floor:
                out.append((other, km2, self.where(claims)))
        out.sort(key=lambda m: (-m[1], m[0]))
        return out

    def sources(self, faction: str, side: str, total: float, floor: float) -> list[str]:
        """'1,650 km² of it from HTS near Hama', 'all of it to the SDF': the largest
        counterparts of one side of a faction's ledger not named already."""
        prep = "from" if side == "gain" else "to"
        named = []
        for other, km2, where in self.moves(faction, side, floor)[:2]:
            who = self.counterpart(other, side)
            pair = (other, faction) if side == "gain" else (faction, other)
            if who is None or pair in self.said:
                continue
            share = "all of it" if km2 >= 0.995 * total else f"{km2_text(km2)} of it"
            if side == "gain" and other == UNASSIGNED:
                named.append(f"{share} {who}{where}".replace("ground no", "of ground no"))
            else:
                named.append(f"{share} {prep} {who}{where}")
            self.said.add(pair)
            if share == "all of it":
                break
        return named

    def clause(self, faction: str, side: str, total: float, floor: float) -> tuple[str, bool]:
        """('gained 1,791 km², 1,650 km² of it from HTS near Hama', whether sources were
        named), or the same with 'lost ... to ...'."""
        verb = "gained" if side == "gain" else "lost"
        named = self.sources(faction, side, total, floor)
        return f"{verb} {km2_text(total)}" + _tail(named), bool(named)

    def faction_sentence(self, faction: str) -> str | None:
        f = self.d.faction(faction)
        floor = story_threshold(self.d, faction)
        gained, lost = f.gained_km2 >= floor, f.lost_km2 >= floor
        if not (gained or lost):
            return None
        fresh = [
            m for side in ("gain", "loss") for m in self.moves(faction, side, floor)
            if (m[0], faction) not in self.said and (faction, m[0]) not in self.said
        ]
        if not fresh:
            return None  # everything material was said in an earlier sentence
        ground = _ground_of(self.name(faction))
        if f.change_pct is None:
            head = f"{self.name(faction)} now holds {km2_text(f.area_to_km2)}"
        elif abs(f.net_km2) < floor:
            head = f"{ground} changed little (net {km2_text(f.net_km2)}, {pct_text(f.change_pct)})"
        else:
            grew = "grew" if f.net_km2 > 0 else "shrank"
            head = f"{ground} {grew} by {km2_text(f.net_km2)} ({pct_text(f.change_pct)})"
        if gained and lost:
            first, long = self.clause(faction, "gain", f.gained_km2, floor)
            second, _ = self.clause(faction, "loss", f.lost_km2, floor)
            return _capital(f"{head}: it {first}{', and ' if long else ' and '}{second}.")
        side, total = ("gain", f.gained_km2) if gained else ("loss", f.lost_km2)
        named = self.sources(faction, side, total, floor)
        if not named:  # nobody to name (ground no faction held): at least say where
            book = self.gains if side == "gain" else self.losses
            claims = [c for cs in book.get(faction, {}).values() for c in cs]
            return _capital(head + (self.where(claims) if claims else "") + ".")
        return _capital(head + _tail(named) + ".")

    # -- events --------------------------------------------------------------

    def event_size(self, e: Event) -> float:
        details: dict = dict(e.details)
        if e.type == "split":
            pieces = details.get("part_areas_km2") or [0.0, 0.0]
            return float(pieces[1] if len(pieces) > 1 else pieces[0])
        if e.type == "merge":
            return float("inf")  # parts joined: always a story
        return float(details.get("area_km2") or 0.0)

    def place(self, e: Event) -> str:
        details: dict = dict(e.details)
        if details.get("near") is None:
            return ""
        km, bearing = details.get("near_km"), details.get("near_bearing")
        if km is None or km <= self.d.near_km:
            return f" near {details['near']}"
        return f" {km:,.0f} km {bearing} of {details['near']}"

    def event_sentence(self, e: Event) -> str | None:
        details: dict = dict(e.details)
        who = self.name(e.faction)
        near = self.place(e)
        what = "territory" if details.get("main") else "pocket"
        if e.type == "split":
            n = details["parts_after"]
            pieces = "in two" if n == 2 else f"into {_count(n)} parts"
            by = [self.name(b) for b in details.get("by") or []]
            by_text = f" by {_list(by)}" if by else ""
            return f"{whose(who, what)}{near} was cut {pieces}{by_text}."
        if e.type == "merge":
            return (
                f"{whose(who, 'separate parts')}{near} were joined "
                f"({_count(details['parts_before'])} into one)."
            )
        if e.type == "encircled":
            around = _list([self.name(b) for b in details.get("by", [])])
            return f"{whose(who, 'pocket')}{near} is now encircled by {around}."
        if e.type == "new_pocket":
            size = km2_text(details["area_km2"])
            if adjectival(who):
                return f"There is a new {who} pocket{near} ({size})."
            return f"{who} holds a new pocket{near} ({size})."
        if e.type == "pocket_lost":
            to = [self.counterpart(t, "loss") for t in details.get("to") or []]
            to_text = f" to {_list([t for t in to if t])}" if any(to) else ""
            size = km2_text(details["area_km2"])
            if adjectival(who):
                return f"{whose(who, what)}{near} ({size}) was lost{to_text}."
            return f"{who} lost its {what}{near} ({size}){to_text}."
        return None

    def grouped_sentence(self, kind: str, faction: str, near: str, events: list[Event]) -> str:
        who = self.name(faction)
        n = _count(len(events))
        km2 = km2_text(sum(_area(e) for e in events))
        if kind == "new_pocket":
            if adjectival(who):
                return f"There are {n} new {who} pockets{near}, {km2} in all."
            return f"{who} holds {n} new pockets{near}, {km2} in all."
        if kind == "pocket_lost":
            if adjectival(who):
                return f"{n} {who} pockets{near} were lost, {km2} in all."
            return f"{who} lost {n} pockets{near}, {km2} in all."
        if kind == "encircled":
            return f"{n} of {whose(who, 'pockets')}{near} are now encircled."
        if kind == "split":
            return f"{whose(who, 'territory')}{near} was cut in {n} places."
        return f"{n} pairs of {whose(who, 'parts')}{near} were joined."

    def event_sentences(self, most: int = 5) -> list[str]:
        groups: dict[tuple[str, str, str], list[Event]] = {}
        for e in self.d.events:
            if self.event_size(e) < story_threshold(self.d, e.faction):
                continue
            groups.setdefault((e.type, e.faction, self.place(e)), []).append(e)
        out = []
        for (kind, faction, near), events in groups.items():
            if len(events) > 1:
                out.append(_capital(self.grouped_sentence(kind, faction, near, events)))
            else:
                text = self.event_sentence(events[0])
                if text:
                    out.append(_capital(text))
        return out[:most]


def summary_sentences(d: Diff, names: dict[str, str] | None = None) -> list[str]:
    """The sentences of :func:`summarize`, one string each."""
    if names:
        d = _renamed(d, names)
    w = _Writer(d)
    moved = sorted(d.factions, key=lambda f: -(f.gained_km2 + f.lost_km2))
    sentences = [s for f in moved if (s := w.faction_sentence(f.faction))]
    sentences.extend(w.event_sentences())
    if not sentences:
        return [f"No ground changed hands between {d.date_from} and {d.date_to}."]
    return sentences


def summarize(d: Diff, names: dict[str, str] | None = None) -> str:
    """A short paragraph: how each faction's ground changed, from and to whom, then
    the topology events. ``names`` overrides the diff's display names."""
    return " ".join(summary_sentences(d, names))


def _renamed(d: Diff, names: dict[str, str]) -> Diff:
    import dataclasses

    return dataclasses.replace(d, names={**d.names, **names})
