"""The bundled demo in layers/ tells its story in the numbers."""

import json

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.cli import main

from .conftest import ROOT

LAYERS = ROOT / "layers"


@pytest.fixture(scope="module")
def demo():
    return frontmap.read_layers(LAYERS)


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


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
    split_text = "pocket near Deir ez-Zour was cut in two by Islamic State."
    assert f"Syrian government and allies' {split_text}" in md


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
