"""Highlights: where the most telling change of a diff happened (frontmap.analysis.highlights)."""

from __future__ import annotations

import json
import re

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.analysis.highlights import highlights
from frontmap.cli import main

from .conftest import GEOD, ROOT, feature, rect, write_fc

LAYERS = ROOT / "layers"
DEIR_EZ_ZOUR = (40.14, 35.33)
MOSUL = (43.13, 36.34)
KM_PER_DEG = 111.32


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def km2(geom) -> float:
    """Geodesic area computed here with pyproj (not by frontmap)."""
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def inside(bbox, lon_lat) -> bool:
    w, s, e, n = bbox
    return w <= lon_lat[0] <= e and s <= lon_lat[1] <= n


@pytest.fixture(scope="module")
def demo_json():
    return json.loads(run("diff", "2017-01-09", "2017-01-16", LAYERS, "--format", "json"))


def test_demo_highlights_are_deir_ez_zour_then_mosul(demo_json):
    hs = demo_json["highlights"]
    assert len(hs) >= 2
    first, second = hs[0], hs[1]
    assert inside(first["bbox"], DEIR_EZ_ZOUR) and first["near"] == "Deir ez-Zour"
    assert inside(second["bbox"], MOSUL) and second["near"] == "Mosul"
    for h in hs:
        w, s, e, n = h["bbox"]
        assert 0 < e - w < 3 and 0 < n - s < 3, h
        assert set(h) >= {"title", "near", "bbox", "kinds", "area_km2"}
    # sized to the change: tens of km around a town, not the region
    assert first["bbox"][2] - first["bbox"][0] < 0.6
    assert second["bbox"][2] - second["bbox"][0] < 0.6
    # a pocket cut in two first; Mosul is ground that changed hands
    assert first["kinds"][0] == "split" and "claim" in first["kinds"]
    assert second["kinds"] == ["claim"]
    # the larger advance north of Raqqa (554 km² of desert) comes after both
    raqqa = next(h for h in hs if h["near"] == "Raqqa")
    assert hs.index(raqqa) > 1 and raqqa["area_km2"] > 9 * second["area_km2"]


def test_demo_titles_are_true_and_use_names(demo_json):
    first, second = demo_json["highlights"][:2]
    assert first["title"] == (
        "Islamic State cut the enclave held by Syrian government and allies near "
        "Deir ez-Zour in two"
    )
    assert second["title"] == "Iraqi government forces took 58 km² from Islamic State near Mosul"
    ids = {f["faction"] for f in demo_json["factions"]}
    for h in demo_json["highlights"]:
        words = set(re.findall(r"[A-Za-z]+", h["title"]))
        assert not words & ids, h["title"]  # names, never ids
        # every km² in a title is one of the highlight's own numbers
        figures = [float(x.replace(",", "")) for x in re.findall(r"([\d,.]+) km²", h["title"])]
        own = [c["area_km2"] for c in h["claims"]] + [h["area_km2"]]
        for x in figures:
            assert any(abs(x - round(v, 0 if v >= 10 else 1)) < 1e-9 for v in own), h


def test_demo_mosul_area_is_the_ground_iraq_took(demo_json):
    """The Mosul highlight's km² against an overlay measured here with pyproj."""
    a = frontmap.read_layers(LAYERS).snapshot("2017-01-09").territories
    b = frontmap.read_layers(LAYERS).snapshot("2017-01-16").territories
    took = shapely.intersection(shapely.difference(a["IS"], b["IS"]), b["IQ"])
    near = shapely.box(*demo_json["highlights"][1]["bbox"])
    want = km2(shapely.intersection(took, near))
    mosul = demo_json["highlights"][1]
    assert mosul["area_km2"] == pytest.approx(want, rel=1e-6)
    (claim,) = mosul["claims"]
    assert claim == {"from": "IS", "to": "IQ", "area_km2": pytest.approx(want, rel=1e-6)}


def test_min_story_km2_leaves_small_changes_out():
    d = json.loads(run("diff", "2017-01-09", "2017-01-16", LAYERS, "--format", "json",
                       "--min-story-km2", "100"))
    assert [h["near"] for h in d["highlights"]] == ["Raqqa"]


def test_a_pocket_cut_in_two_outranks_a_larger_advance(tmp_path):
    """A's 100 km² pocket is cut in two by B (a 10 km² corridor); far away C advances
    over 3,700 km² of A's main body (edges with a vertex every 0.01°, so that
    straight lines and geodesics agree): the split comes first."""
    main_a = rect(30.0, 40.0, 34.0, 42.0, step=0.01)
    pocket = rect(36.0, 40.0, 36.12, 40.08, step=0.01)  # about 10 x 9 km
    ring_b = rect(35.5, 39.5, 36.62, 40.58, step=0.01)
    feats = [feature([main_a], faction="A", date="2020-01-01"),
             feature([pocket], faction="A", date="2020-01-01"),
             feature([ring_b, pocket], faction="B", date="2020-01-01"),
             feature([rect(34.0, 40.0, 35.0, 42.0, step=0.01)], faction="C", date="2020-01-01")]
    write_fc(tmp_path / "t_2020-01-01.geojson", feats)
    west = rect(36.0, 40.0, 36.05, 40.08, step=0.01)
    east = rect(36.06, 40.0, 36.12, 40.08, step=0.01)
    corridor = rect(36.05, 40.0, 36.06, 40.08, step=0.01)
    feats = [feature([rect(30.0, 40.0, 33.8, 42.0, step=0.01)], faction="A", date="2020-01-08"),
             feature([west], faction="A", date="2020-01-08"),
             feature([east], faction="A", date="2020-01-08"),
             feature([ring_b, west, east], faction="B", date="2020-01-08"),
             feature([rect(33.8, 40.0, 35.0, 42.0, step=0.01)], faction="C", date="2020-01-08")]
    write_fc(tmp_path / "t_2020-01-08.geojson", feats)
    (tmp_path / "places.csv").write_text("name,lat,lon\nTown,40.04,36.06\nVillage,41,33.7\n")
    layers = frontmap.read_layers(tmp_path)
    d = frontmap.diff_dates(layers, "2020-01-01", "2020-01-08")
    hs = highlights(d)
    assert [h.kinds[0] for h in hs[:2]] == ["split", "claim"]
    assert hs[0].title == "B cut A's enclave near Town in two"  # encircled by B on FROM
    advance = shapely.Polygon(rect(33.8, 40.0, 34.0, 42.0, step=0.01))
    assert hs[1].area_km2 == pytest.approx(km2(advance), rel=1e-6)
    assert hs[1].area_km2 > 30 * km2(shapely.Polygon(corridor))
    assert hs[1].title == f"C took {hs[1].area_km2:,.0f} km² from A near Village"


def test_a_sliver_ranks_below_a_compact_change(tmp_path):
    """B gains a 4 km wide block (about 16 km²) and, elsewhere, a strip 50 m wide and 400
    km long (about 22 km²): the block is the first highlight."""
    a1, b1 = rect(30.0, 40.0, 32.0, 44.0), rect(32.0, 40.0, 34.0, 44.0)
    write_fc(tmp_path / "t_2020-01-01.geojson",
             [feature([a1], faction="A", date="2020-01-01"),
              feature([b1], faction="B", date="2020-01-01")])
    block = rect(31.953, 40.2, 32.0, 40.236)  # 4 x 4 km, B takes it
    strip = rect(31.9994, 40.5, 32.0, 44.0)  # 50 m wide
    a2 = shapely.difference(shapely.Polygon(a1),
                            shapely.union(shapely.Polygon(block), shapely.Polygon(strip)))
    b2 = shapely.union_all([shapely.Polygon(b1), shapely.Polygon(block), shapely.Polygon(strip)])
    write_fc(tmp_path / "t_2020-01-08.geojson",
             [{"type": "Feature", "properties": {"faction": "A", "date": "2020-01-08"},
               "geometry": shapely.geometry.mapping(a2)},
              {"type": "Feature", "properties": {"faction": "B", "date": "2020-01-08"},
               "geometry": shapely.geometry.mapping(b2)}])
    d = frontmap.diff_dates(frontmap.read_layers(tmp_path), "2020-01-01", "2020-01-08")
    hs = highlights(d)
    assert km2(shapely.Polygon(strip)) > km2(shapely.Polygon(block))
    assert hs[0].area_km2 == pytest.approx(km2(shapely.Polygon(block)), rel=1e-4)
    assert hs[0].bbox[3] < 40.5  # the block's, not the strip's
    assert hs[0].bbox[2] - hs[0].bbox[0] < 0.5


# ---------------------------------------------------------------------------
# real data


@pytest.mark.slow
def test_syria_highlights_point_at_the_largest_changes(shared_data, tmp_path):
    src = shared_data / "syria-control-2024-12"
    (tmp_path / "f.toml").write_text(
        '[factions.SAA]\nname = "Syrian government"\n'
        '[factions.SDF]\nname = "Syrian Democratic Forces"\n'
        '[factions.HTS]\nname = "Hayat Tahrir al-Sham"\n',
        encoding="utf-8",
    )
    d = json.loads(run("diff", "2024-12-03", "2024-12-05", src, "--faction-field", "layer",
                       "--factions", tmp_path / "f.toml", "--format", "json"))
    hs = d["highlights"]
    # the two largest pieces of ground that changed hands (890 km² along the Euphrates
    # west of Deir ez-Zor, 859 km² around Tabqa) are the first two, each with its own box
    assert [h["near"] for h in hs[:2]] == ["Deir ez-Zor", "Al-Tabqa"]
    assert hs[0]["bbox"][2] - hs[0]["bbox"][0] < 1.5
    assert not shapely.box(*hs[0]["bbox"]).contains(shapely.box(*hs[1]["bbox"]))
    titles = [h["title"] for h in hs]
    assert "Syrian government lost 131 km² to Syrian Democratic Forces " \
           "33 km south-east of Ar Raqqah" in titles
    for h in hs:  # never slivers: every highlight has at least the story threshold
        assert h["area_km2"] >= 9, h
        assert "SAA" not in h["title"] and "unassigned" not in h["title"]


POKROVSK = (37.18, 48.28)
KURAKHOVE = (37.28, 47.98)


@pytest.mark.slow
def test_ukraine_highlights_are_pokrovsk_and_kurakhove(ukraine_month):
    layers, d, *_ = ukraine_month
    hs = highlights(d)
    first = hs[0]
    assert inside(first.bbox, POKROVSK) and inside(first.bbox, KURAKHOVE)
    assert first.near == "Kurakhove"
    assert first.title.startswith(f"{first.area_km2:,.0f} km² near Kurakhove passed from "
                                  "Ukrainian-held ground to Russian-held ground")
    assert first.moves[0][:2] == ("UA", "RU") and first.area_km2 > 500
    w, s, e, n = first.bbox
    assert e - w < 3 and n - s < 3
    # not slivers along the borders: the first two lie well inside the country
    edge = shapely.boundary(layers.clip)
    for h in hs[:2]:
        assert shapely.distance(shapely.box(*h.core), edge) * KM_PER_DEG > 20, h.title
    # what the JSON says is what the objects say
    assert d.as_dict()["highlights"][0]["title"] == first.title
