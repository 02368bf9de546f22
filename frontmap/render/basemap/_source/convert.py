"""Convert world-atlas TopoJSON (Natural Earth) into frontmap's bundled basemap data.

Run once by a developer, never at build or install time; the outputs
(``frontmap/render/basemap/ne_110m.json.gz`` and ``ne_50m.json.gz``) are
committed. Standard library only::

    mkdir -p /tmp/wa && cd /tmp/wa && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python frontmap/render/basemap/_source/convert.py /tmp/wa/package

Input: ``countries-110m.json`` and ``countries-50m.json`` of the npm package
``world-atlas`` 2.0.2 (Mike Bostock, ISC licence), which are Natural Earth
4.1.0 "Admin 0 - Countries" (public domain) as quantised TopoJSON. Their
``land`` object is the merge of the countries, so land, coast and borders
share one topology (a border ends exactly on the coast); the separate
``land-*.json`` files (Natural Earth's physical land layer) would not, and
are not used.

What the conversion does:

* keeps the topology as it is (quantised, delta-encoded arcs), and adds the
  arc indices of the **borders** (arcs shared by two different countries)
  and of the **coast** (the arcs of the land outline);
* puts **Crimea** in Ukraine: Natural Earth 4.1.0 draws it in Russia (its
  de facto policy), which would draw a national border across the Perekop
  isthmus on every map of the war in Ukraine. The internationally recognised
  border is drawn instead (the Crimea polygon moves from Russia to Ukraine);
* drops the properties frontmap does not use; keeps each country's ``name``
  (Natural Earth's short label name) and ISO 3166-1 numeric ``id``.

The output is deterministic: sorted keys, no whitespace, gzip without a
timestamp or file name. Re-running it on the same input gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

SCALES = ("110m", "50m")
SOURCE = "world-atlas 2.0.2 (ISC), Natural Earth 4.1.0 Admin 0 - Countries (public domain)"
#: a point inside Crimea (Simferopol) and the country it belongs to
CRIMEA = (34.10, 44.95)
OUT = Path(__file__).resolve().parent.parent


def _decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(arcs: list, ids: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in ids:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def _inside(pt: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    """Even-odd point-in-ring test (planar lon/lat)."""
    x, y = pt
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


def _polygons(g: dict) -> list:
    if g["type"] == "Polygon":
        return [g["arcs"]]
    if g["type"] == "MultiPolygon":
        return list(g["arcs"])
    return []


def _move_crimea(countries: list[dict], arcs: list) -> bool:
    """Move the polygon holding Simferopol from Russia to Ukraine; True if moved."""
    by_name = {c["name"]: c for c in countries}
    russia, ukraine = by_name["Russia"], by_name["Ukraine"]
    for k, poly in enumerate(russia["polygons"]):
        if _inside(CRIMEA, _ring(arcs, poly[0])):
            ukraine["polygons"].append(russia["polygons"].pop(k))
            return True
    for poly in ukraine["polygons"]:
        if _inside(CRIMEA, _ring(arcs, poly[0])):
            return False  # already in Ukraine at this scale
    raise SystemExit("Crimea is in neither Russia nor Ukraine: check the input")


def _arc_users(countries: list[dict]) -> dict[int, set[int]]:
    users: dict[int, set[int]] = {}
    for n, c in enumerate(countries):
        for poly in c["polygons"]:
            for ring in poly:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, set()).add(n)
    return users


def convert(topo: dict, scale: str) -> dict:
    arcs = _decode_arcs(topo)
    countries = []
    for g in topo["objects"]["countries"]["geometries"]:
        polys = _polygons(g)
        if polys:
            countries.append(
                {"name": g["properties"]["name"], "id": g.get("id"), "polygons": polys}
            )
    moved = _move_crimea(countries, arcs)
    land = [p for g in topo["objects"]["land"]["geometries"] for p in _polygons(g)]
    coast = sorted({i if i >= 0 else ~i for poly in land for ring in poly for i in ring})
    borders = sorted(i for i, who in _arc_users(countries).items() if len(who) >= 2)
    countries.sort(key=lambda c: c["name"])
    return {
        "scale": scale,
        "source": SOURCE,
        "changes": ["Crimea drawn in Ukraine"] if moved else [],
        "transform": topo["transform"],
        "arcs": topo["arcs"],
        "countries": countries,
        "land": land,
        "coast": coast,
        "borders": borders,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: convert.py WORLD_ATLAS_PACKAGE_FOLDER", file=sys.stderr)
        return 2
    src = Path(argv[1])
    for scale in SCALES:
        topo = json.loads((src / f"countries-{scale}.json").read_text(encoding="utf-8"))
        doc = convert(topo, scale)
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        data = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
        out = OUT / f"ne_{scale}.json.gz"
        out.write_bytes(data)
        print(
            f"{out.name}: {len(doc['countries'])} countries, {len(doc['arcs'])} arcs, "
            f"{len(doc['borders'])} border arcs, {len(doc['coast'])} coast arcs, "
            f"changes: {doc['changes'] or 'none'}, {len(data) / 1024:.0f} kB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
