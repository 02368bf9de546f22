"""The results as geometry for other tools: layers of features (rendering).

A diff becomes five layers, the same in GeoJSON (one FeatureCollection, the
``kind`` property telling them apart) and in a GeoPackage (one table each):

* ``territory``: each holder's ground on each date (``holder`` is a faction,
  ``contested`` or ``unassigned``; the holders of a date tile the area of
  interest without overlaps), ``area_km2`` the ground it alone holds;
* ``claims``: the faction-eye ledger, who lost ground to whom
  (:mod:`frontmap.analysis.claims`), one feature per line of it;
* ``transfers``: ground that passed from one holder to another;
* ``front_lines``: each pair of factions' shared border on each date;
* ``events``: splits, merges, pockets (their corridor or pocket).

``splits`` gives a ``parts`` layer (one feature per part) and ``areas`` a
``territory`` layer (each faction's whole territory per date, contested
ground as faction ``contested``). Every feature has an ``id`` a style can
pick (``claim/IS/SDF/both``, ``territory/2017-01-16/SAA``) and every number
is the analysis's own, measured on the full-detail data.

Geometry is full detail by default. ``simplify_m`` simplifies it for the web
without opening gaps or overlaps: every polygon of every layer is cut into the
faces of the overlay of all their borders, the faces (a polygonal coverage)
are simplified together with :func:`shapely.coverage_simplify`, and each
feature is the union of its faces again, so neighbours keep one shared border
(front lines, which are lines, are simplified on their own with the same
tolerance). Nothing here reads or writes files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely

from ..analysis.change import Diff
from ..analysis.geodesy import area_km2, length_km
from ..analysis.measure import CONTESTED, UNASSIGNED, count_parts, polygonal
from ..analysis.topology import FactionParts
from ..read.factions import FactionTable
from ..read.model import Snapshot, is_undated
from .scene import CONTESTED_COLOR, UNASSIGNED_COLOR

__all__ = [
    "ExportLayer",
    "diff_layers",
    "splits_layers",
    "areas_layers",
    "simplify_layers",
    "prepare_geometry",
    "HOLDER_NAMES",
    "METRES_PER_DEGREE",
]

#: metres per degree of latitude: how ``simplify_m`` becomes a tolerance in degrees
METRES_PER_DEGREE = 111_320.0
#: display names of the holders that are not factions
HOLDER_NAMES = {
    CONTESTED: "Contested (claimed by two or more)",
    UNASSIGNED: "Claimed by no faction",
}
_HOLDER_COLORS = {CONTESTED: CONTESTED_COLOR, UNASSIGNED: UNASSIGNED_COLOR}


@dataclass
class ExportLayer:
    """One layer: its name, geometry type (``MultiPolygon`` or ``MultiLineString``),
    its fields with their types (``str``, ``float``, ``int``, ``bool``, ``date``
    and ``json`` for lists and objects) and its features (properties, geometry)."""

    name: str
    geometry: str
    fields: dict[str, str]
    description: str
    features: list[tuple[dict[str, Any], shapely.Geometry | None]] = field(default_factory=list)

    def add(self, props: dict[str, Any], geom) -> None:
        missing = [k for k in props if k not in self.fields]
        if missing:  # pragma: no cover - a programming error
            raise KeyError(f"{self.name}: undeclared field(s) {missing}")
        self.features.append(({k: props.get(k) for k in self.fields}, geom))


def _names(table: FactionTable, names: dict[str, str] | None = None):
    def name(holder: str) -> str:
        if holder in HOLDER_NAMES:
            return HOLDER_NAMES[holder]
        if names and holder in names:
            return names[holder]
        return table.get(holder).name

    def color(holder: str) -> str:
        return _HOLDER_COLORS.get(holder) or table.get(holder).color

    return name, color


def _day(d: dt.date) -> str | None:
    return None if is_undated(d) else d.isoformat()


_NEAR = {"near": "str", "near_km": "float", "near_bearing": "str"}


def _near(where) -> dict:
    if where is None:
        return {"near": None, "near_km": None, "near_bearing": None}
    return {"near": where.place, "near_km": where.km, "near_bearing": where.bearing}


#: the detail fields of events, with their types (every event has every field; null if n/a)
_EVENT_DETAILS = {
    "area_km2": "float",
    "corridor_km2": "float",
    "parts_before": "int",
    "parts_after": "int",
    "part_areas_km2": "json",
    "by": "json",
    "from": "json",
    "to": "json",
    "main": "bool",
}


def diff_layers(diff: Diff, factions: FactionTable) -> list[ExportLayer]:
    """The five layers of a diff, full detail (see the module's docstring)."""
    name, color = _names(factions, diff.names)
    a, b = _day(diff.date_from), _day(diff.date_to)
    span = {"date_from": a, "date_to": b}
    territory = ExportLayer(
        "territory", "MultiPolygon",
        {"id": "str", "kind": "str", "date": "date", "holder": "str", "name": "str",
         "color": "str", "area_km2": "float"},
        f"Each holder's ground on {a} and on {b} (the holders of a date tile the area of "
        "interest; area_km2 is the ground only that holder claims)",
    )
    for d, geoms, km2 in ((a, diff.holder_geoms_from, diff.holders_from),
                          (b, diff.holder_geoms_to, diff.holders_to)):
        for h, g in geoms.items():
            if g is None or g.is_empty:
                continue
            territory.add({"id": f"territory/{d}/{h}", "kind": "territory", "date": d,
                           "holder": h, "name": name(h), "color": color(h),
                           "area_km2": km2.get(h, 0.0)}, g)
    pair = {"from": "str", "to": "str", "from_name": "str", "to_name": "str"}
    claims = ExportLayer(
        "claims", "MultiPolygon",
        {"id": "str", "kind": "str", **pair, "counts_for": "str", "area_km2": "float",
         "color": "str", **_NEAR, "date_from": "date", "date_to": "date"},
        f"Who lost ground to whom between {a} and {b}: each faction's losses and gains "
        "(counts_for: both, from = a loss of from only, to = a gain of to only)",
    )
    for c in diff.claims:
        claims.add({"id": f"claim/{c.from_holder}/{c.to_holder}/{c.counts_for}",
                    "kind": "claim", "from": c.from_holder, "to": c.to_holder,
                    "from_name": name(c.from_holder), "to_name": name(c.to_holder),
                    "counts_for": c.counts_for, "area_km2": c.area_km2,
                    "color": color(c.to_holder), **_near(c.where), **span}, c.geom)
    transfers = ExportLayer(
        "transfers", "MultiPolygon",
        {"id": "str", "kind": "str", **pair, "area_km2": "float", "color": "str", **_NEAR,
         "date_from": "date", "date_to": "date"},
        f"Ground that passed from one holder to another between {a} and {b}",
    )
    for t in diff.transfers:
        transfers.add({"id": f"transfer/{t.from_holder}/{t.to_holder}", "kind": "transfer",
                       "from": t.from_holder, "to": t.to_holder,
                       "from_name": name(t.from_holder), "to_name": name(t.to_holder),
                       "area_km2": t.area_km2, "color": color(t.to_holder),
                       **_near(t.where), **span}, t.geom)
    fronts = ExportLayer(
        "front_lines", "MultiLineString",
        {"id": "str", "kind": "str", "date": "date", "factions": "json", "names": "json",
         "length_km": "float", "line_km": "float"},
        "Front lines: the border two factions share on each date (within 50 m); "
        "length_km is the front's length (the mean of both factions' borders), line_km "
        "the length of the line drawn (the first faction's border)",
    )
    for fl in diff.front_lines:
        for d, g, km in ((a, fl.geom_from, fl.length_from_km), (b, fl.geom_to, fl.length_to_km)):
            if km <= 0 or g is None or g.is_empty:
                continue
            x, y = fl.factions
            fronts.add({"id": f"front_line/{d}/{x}/{y}", "kind": "front_line", "date": d,
                        "factions": [x, y], "names": [name(x), name(y)], "length_km": km,
                        "line_km": length_km(_lines(g))}, g)
    events = ExportLayer(
        "events", "MultiPolygon",
        {"id": "str", "kind": "str", "type": "str", "faction": "str", "name": "str",
         "color": "str", **_EVENT_DETAILS, **_NEAR, "date_from": "date", "date_to": "date"},
        f"Topology events between {a} and {b}: the corridor of a split or merge, the "
        "pocket of a new pocket, a pocket lost or an encirclement",
    )
    seen: dict[tuple[str, str], int] = {}
    for e in diff.events:
        n = seen[(e.type, e.faction)] = seen.get((e.type, e.faction), 0) + 1
        details = dict(e.details)
        events.add({"id": f"event/{e.type}/{e.faction}/{n}", "kind": "event", "type": e.type,
                    "faction": e.faction, "name": name(e.faction), "color": color(e.faction),
                    **{k: details.get(k) for k in _EVENT_DETAILS},
                    **{k: details.get(k) for k in _NEAR}, **span},
                   polygonal(e.geom) if e.geom is not None else None)
    return [territory, claims, transfers, fronts, events]


def splits_layers(found: list[FactionParts], factions: FactionTable) -> list[ExportLayer]:
    """The ``parts`` layer of :func:`frontmap.analysis.topology.splits`: one feature
    per part, with the fields of its row in ``frontmap splits``."""
    name, color = _names(factions)
    day = _day(found[0].date) if found else None
    parts = ExportLayer(
        "parts", "MultiPolygon",
        {"id": "str", "kind": "str", "faction": "str", "name": "str", "color": "str",
         "date": "date", "part": "int", "area_km2": "float", "main": "bool",
         "distance_to_main_km": "float", "encircled_by": "json", **_NEAR, "lon": "float",
         "lat": "float", "border_km": "json"},
        f"Each faction's parts on {day}, largest first (part 1 is the main body)",
    )
    for fp in found:
        for i, p in enumerate(fp.parts):
            d = p.as_dict()
            lon, lat = d.pop("centroid")
            parts.add({"id": f"part/{_day(fp.date)}/{fp.faction}/{i + 1}", "kind": "part",
                       "faction": fp.faction, "name": name(fp.faction),
                       "color": color(fp.faction), "date": _day(fp.date), "part": i + 1, **d,
                       "lon": lon, "lat": lat}, p.geom)
    return [parts]


def areas_layers(
    snapshots: Iterable[Snapshot], factions: FactionTable, min_part_km2: float = 1.0
) -> list[ExportLayer]:
    """The ``territory`` layer of ``frontmap areas``: one feature per date and faction
    (its whole territory, contested ground included, as the table counts it) and one
    per date for ground claimed by two or more factions (faction ``contested``)."""
    from ..analysis.measure import contested_geometry

    name, color = _names(factions)
    layer = ExportLayer(
        "territory", "MultiPolygon",
        {"id": "str", "kind": "str", "date": "date", "faction": "str", "name": "str",
         "color": "str", "area_km2": "float", "parts": "int"},
        "Each faction's territory on each date (contested ground included; faction "
        "'contested' is the ground two or more factions claim)",
    )
    for snap in snapshots:
        d = _day(snap.date)
        items = list(snap.territories.items())
        contested = contested_geometry(snap.territories)
        if area_km2(contested) > 0:
            items.append((CONTESTED, contested))
        for fid, g in items:
            layer.add({"id": f"territory/{d}/{fid}", "kind": "territory", "date": d,
                       "faction": fid, "name": name(fid), "color": color(fid),
                       "area_km2": area_km2(g), "parts": count_parts(g, min_part_km2)}, g)
    return [layer]


# ---------------------------------------------------------------------------
# geometry


def _lines(geom) -> shapely.Geometry:
    """Only the lines of a geometry, as a MultiLineString (empty when none)."""
    if geom is None or geom.is_empty:
        return shapely.MultiLineString()
    out = []
    for p in shapely.get_parts(geom):
        if p.geom_type == "LineString" and not p.is_empty:
            out.append(p)
        elif p.geom_type in ("MultiLineString", "GeometryCollection"):
            out.extend(q for q in shapely.get_parts(_lines(p)) if not q.is_empty)
    return shapely.MultiLineString(out) if out else shapely.MultiLineString()


def prepare_geometry(geom, kind: str, decimals: int | None) -> shapely.Geometry | None:
    """A feature's geometry as written: Multi* of the layer's type, polygons with the
    right-hand rule (exterior rings counter-clockwise, holes clockwise), on a grid of
    ``10**-decimals`` degrees (valid: :func:`shapely.set_precision`) unless
    ``decimals`` is None; None when nothing is left."""
    if geom is None:
        return None
    if kind == "MultiPolygon":
        g = polygonal(geom)
        if decimals is not None and not g.is_empty:
            g = polygonal(shapely.set_precision(g, 10.0**-decimals))
        if g.is_empty:
            return None
        g = shapely.orient_polygons(g, exterior_cw=False)
        if g.geom_type == "Polygon":
            g = shapely.MultiPolygon([g])
        return g
    g = _lines(geom)
    if decimals is not None and not g.is_empty:
        g = _lines(shapely.set_precision(g, 10.0**-decimals))
    return None if g.is_empty else g


def simplify_layers(layers: list[ExportLayer], metres: float) -> list[ExportLayer]:
    """The same layers with every geometry simplified by about ``metres``, polygons as
    one coverage (see the module's docstring); numbers unchanged."""
    tol = float(metres) / METRES_PER_DEGREE
    if tol <= 0:
        return layers
    polys: list[shapely.Geometry] = []
    where: list[tuple[int, int]] = []
    for li, layer in enumerate(layers):
        if layer.geometry != "MultiPolygon":
            continue
        for fi, (_, g) in enumerate(layer.features):
            g = polygonal(g) if g is not None else None
            if g is not None and not g.is_empty:
                polys.append(g)
                where.append((li, fi))
    simple: dict[tuple[int, int], shapely.Geometry] = {}
    if polys:
        for k, g in zip(where, _simplified_coverage(polys, tol), strict=True):
            simple[k] = g
    out = []
    for li, layer in enumerate(layers):
        new = ExportLayer(layer.name, layer.geometry, layer.fields, layer.description)
        for fi, (props, g) in enumerate(layer.features):
            if layer.geometry == "MultiPolygon":
                ng = simple.get((li, fi))
            else:
                lines = _lines(g)
                ng = None if lines.is_empty else shapely.simplify(lines, tol)
            new.features.append((props, ng))
        out.append(new)
    return out


def _simplified_coverage(geoms: list[shapely.Geometry], tol: float) -> list[shapely.Geometry]:
    """Each of ``geoms`` (polygons that may overlap) rebuilt from the simplified faces
    of the overlay of all their borders."""
    lines = shapely.union_all([shapely.boundary(g) for g in geoms])
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(lines)))))
    if not faces:
        return [shapely.MultiPolygon() for _ in geoms]
    tree = shapely.STRtree(geoms)
    pts = shapely.point_on_surface(faces)
    fi, gi = tree.query(pts, predicate="intersects")
    members: list[list[int]] = [[] for _ in geoms]
    placed = set()
    for f, g in sorted(zip(fi.tolist(), gi.tolist(), strict=True)):
        members[g].append(f)
        placed.add(f)
    for f in range(len(faces)):  # too thin for point_on_surface: by the share covered
        if f in placed:
            continue
        area = shapely.area(faces[f])
        for g in tree.query(faces[f], predicate="intersects").tolist():
            if shapely.area(shapely.intersection(faces[f], geoms[g])) >= 0.5 * area:
                members[g].append(f)
    simple = list(shapely.coverage_simplify(faces, tol))
    out = []
    for m in members:
        parts = [simple[f] for f in sorted(m) if not simple[f].is_empty]
        if not parts:
            out.append(shapely.MultiPolygon())
            continue
        try:
            out.append(polygonal(shapely.coverage_union_all(parts)))
        except shapely.errors.GEOSException:  # pragma: no cover - not a clean coverage
            out.append(polygonal(shapely.union_all(parts)))
    return out
