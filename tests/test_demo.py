"""The bundled demo in layers/ tells its story in the numbers."""

import json

import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

import frontmap
from frontmap.cli import main

from .conftest import ROOT

LAYERS = ROOT / "layers"
OUTLINE = LAYERS / "_source" / "outline.geojson"
GEOD = Geod(ellps="WGS84")
#: IHS Markit Conflict Monitor (18 Jan 2017): Islamic State's ground at the end of 2016
IS_END_2016_KM2 = 60_400


@pytest.fixture(scope="module")
def demo():
    return frontmap.read_layers(LAYERS)


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def file_km2(path):
    """Geodesic area of every polygon in a GeoJSON file, computed here with pyproj (not
    by frontmap): |outer| - |holes| per polygon, as PostGIS ST_Area(geography)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        abs(GEOD.geometry_area_perimeter(shapely.geometry.shape(f["geometry"]))[0])
        for f in doc["features"]
    ) / 1e6


def holder_at(snapshot, lon, lat):
    p = shapely.Point(lon, lat)
    return [f for f, g in snapshot.territories.items() if g.covers(p)]


def test_demo_is_clean_and_complete(demo):
    assert not demo.report.all_errors and not demo.report.all_repairs
    dates = [d.isoformat() for d in demo.dates]
    assert {"2016-12-01", "2017-01-09", "2017-01-16"} <= set(dates)
    for snap in demo.snapshots.values():
        assert {"IS", "SAA", "IQ", "KRG", "SDF", "TFSA", "OPP"} <= set(snap.territories)
        assert frontmap.overlaps(snap) == []  # neighbours share borders, no overlaps
    names = {p.name for p in demo.places}
    assert {"Mosul", "Raqqa", "Deir ez-Zour", "Deir ez-Zour airport", "Palmyra", "al-Bab",
            "Aleppo", "Damascus", "Baghdad", "Ramadi", "Fallujah", "Jarabulus", "Dabiq",
            "Azaz"} <= names
    assert demo.factions.get("IS").name == "Islamic State"
    assert "Daesh" in demo.factions.get("IS").aliases
    for f in json.loads((LAYERS / "2017-01-09" / "IS.geojson").read_text())["features"]:
        assert f["properties"]["illustrative"] is True


def test_palmyra_is_held_by_is_from_2016_12_11(demo):
    assert holder_at(demo.snapshot("2016-12-01"), 38.27, 34.55) == ["SAA"]
    for d in demo.dates[1:]:
        assert holder_at(demo.snapshots[d], 38.27, 34.55) == ["IS"]


def test_diff_tells_the_story():
    d = json.loads(run("diff", "2017-01-09", "2017-01-16", LAYERS, "--format", "json"))
    moved = {(t["from"], t["to"]): t for t in d["transfers"]}
    assert moved[("IS", "IQ")]["near"] == "Mosul" and moved[("IS", "IQ")]["area_km2"] > 10
    assert moved[("SAA", "IS")]["near"].startswith("Deir ez-Zour")
    is_ = next(f for f in d["factions"] if f["faction"] == "IS")
    assert is_["lost_km2"] > 0 and is_["gained_km2"] > 0
    (split,) = [e for e in d["events"] if e["type"] == "split"]
    assert split["faction"] == "SAA" and split["by"] == ["IS"]
    assert split["near"].startswith("Deir ez-Zour")
    assert split["parts_before"] == 1 and split["parts_after"] == 2
    md = run("diff", "2017-01-09", "2017-01-16", LAYERS, "--format", "md")
    # a name with "and" takes no possessive: "the pocket held by ..."
    split_text = "pocket held by Syrian government and allies near Deir ez-Zour was cut in two"
    assert f"The {split_text} by Islamic State." in md


def test_deir_ez_zour_pockets_far_from_main_body_and_encircled():
    data = json.loads(run("splits", "2017-01-16", LAYERS, "--format", "json"))
    saa = next(x for x in data if x["faction"] == "SAA")
    dez = [p for p in saa["parts"] if (p["near"] or "").startswith("Deir ez-Zour")]
    assert len(dez) == 2
    for p in dez:
        assert p["distance_to_main_km"] > 250
        assert p["encircled_by"] == ["IS"]
        assert list(p["border_km"]) == ["IS"]
    before = json.loads(run("splits", "2017-01-09", LAYERS, "--format", "json"))
    saa = next(x for x in before if x["faction"] == "SAA")
    assert len([p for p in saa["parts"] if (p["near"] or "").startswith("Deir ez-Zour")]) == 1


def test_mosul_east_bank_changes_hands(demo):
    east_mosul = (43.17, 36.34)
    assert holder_at(demo.snapshot("2017-01-09"), *east_mosul) == ["IS"]
    assert holder_at(demo.snapshot("2017-01-16"), *east_mosul) == ["IQ"]


def test_areas_are_shaped_to_published_figures(demo):
    is_first = file_km2(LAYERS / "2016-12-01" / "IS.geojson")
    assert abs(is_first / IS_END_2016_KM2 - 1) <= 0.25, is_first
    # the README quotes it, rounded
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"about {round(is_first, -2):,.0f} km²" in readme
    plausible = {  # broad bands around published estimates (layers/README.md)
        "SAA": (25_000, 45_000),
        "SDF": (15_000, 45_000),
        "KRG": (45_000, 75_000),
        "IQ": (300_000, 380_000),
        "IS": (45_000, 75_500),
    }
    rows = {
        (r.date.isoformat(), r.faction): r.area_km2
        for r in frontmap.areas(demo.snapshots.values())
    }
    for d in demo.dates:
        for f, (lo, hi) in plausible.items():
            km2 = file_km2(LAYERS / d.isoformat() / f"{f}.geojson")
            assert lo <= km2 <= hi, (d, f, km2)
            assert rows[(d.isoformat(), f)] == pytest.approx(km2, rel=1e-7)


def test_open_desert_is_unassigned_and_the_valleys_are_is(demo):
    desert = {
        "Jabal Bishri": (38.63, 35.27),
        "Badia south of the Palmyra road": (39.66, 34.59),
        "steppe east of the Khabur": (41.0, 35.6),
        "Jazira desert in Iraq": (42.2, 34.9),
    }
    held = {
        "Sukhnah road": (38.87, 34.88),
        "Mayadin": (40.45, 35.02),
        "Markada on the Khabur": (40.72, 35.75),
        "Rawa": (41.92, 34.47),
        "Hatra": (42.72, 35.59),
    }
    for snap in demo.snapshots.values():
        for name, pt in desert.items():
            assert holder_at(snap, *pt) == [], (snap.date, name)
        for name, pt in held.items():
            assert holder_at(snap, *pt) == ["IS"], (snap.date, name)
    # the layers and the unassigned ground partition the outline: clipped to it, the
    # area of interest is the outline's area and the story is unchanged
    d = json.loads(
        run("diff", "2017-01-09", "2017-01-16", LAYERS, "--clip", OUTLINE, "--format", "json")
    )
    assert d["area_of_interest_km2"] == pytest.approx(file_km2(OUTLINE), abs=0.2)
    assert all("unassigned" not in (t["from"], t["to"]) for t in d["transfers"])
    assert [e["type"] for e in d["events"]] == ["split"]


def test_deir_ez_zour_is_far_from_every_other_government_position():
    """From 2016-12-11 on, the SAA holds only its main body and the enclave, so the gap to
    the main body is the gap to the nearest other government position."""
    for date in ("2016-12-11", "2017-01-09", "2017-01-16"):
        data = json.loads(run("splits", date, LAYERS, "--format", "json"))
        (saa,) = [x for x in data if x["faction"] == "SAA"]
        others = [p for p in saa["parts"] if not p["main"]]
        assert others and all(p["near"].startswith("Deir ez-Zour") for p in others), date
        assert all(p["distance_to_main_km"] > 250 for p in others), date
