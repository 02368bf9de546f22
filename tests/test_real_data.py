"""Real published data (slow; skipped when ../shared/data is absent)."""

import csv
import datetime as dt
import json

import pytest
from click.testing import CliRunner

import frontmap
from frontmap.analysis.measure import areas
from frontmap.cli import main

pytestmark = pytest.mark.slow


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_deepstate_daily_areas_match_reference(shared_data):
    ref = {
        r["file_date"]: float(r["occupied_km2_geodesic"])
        for r in _csv(shared_data / "reference" / "deepstate_cyterat_areas_km2.csv")
    }
    layers = frontmap.read_layers(shared_data / "ukraine-occupied-daily")
    assert len(layers.dates) == 79 == len(ref)
    rows = areas(layers.snapshots.values())
    assert {r.faction for r in rows} == {"ukraine-occupied-daily"}
    for r in rows:
        want = ref[r.date.strftime("%Y%m%d")]
        assert abs(r.area_km2 - want) / want < 1e-4, (r.date, r.area_km2, want)


def test_ocha_districts_match_published_area(shared_data):
    path = (
        shared_data / "boundaries" / "werowe_hypatia_battlefields_ocha_cod_ukr_adm2_2raions.geojson"
    )
    published = {
        f["properties"]["adm2_name"]: f["properties"]["area_sqkm"]
        for f in json.loads(path.read_text())["features"]
    }
    layers = frontmap.read_layers(path, faction_field="adm2_name", date_field="valid_on")
    (snap,) = layers.snapshots.values()
    assert set(snap.territories) == set(published)
    for name, geom in snap.territories.items():
        assert abs(frontmap.area_km2(geom) - published[name]) < 0.01, name


def test_syria_layers_match_reference_and_report_contested(shared_data):
    ref = {}
    for r in _csv(shared_data / "reference" / "syria_faytuks_areas_km2.csv"):
        ref[(r["file"].split("_")[-1][:10], r["layer"])] = float(r["km2"])
    r = CliRunner().invoke(
        main,
        [
            "areas",
            str(shared_data / "syria-control-2024-12"),
            "--faction-field",
            "layer",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    got = {(x["date"], x["faction"]): x["area_km2"] for x in rows}
    for key, want in ref.items():
        assert abs(got[key] - want) / want < 1e-3, (key, got[key], want)
    # the SAA/SDF overlap (~129 km² on 12-03 in a planar overlay; 132.428 km² with
    # geodesic edges, from the PostGIS oracle) is reported as contested ground
    assert got[("2024-12-03", "contested")] >= 132.4
    check = CliRunner().invoke(
        main,
        [
            "check",
            str(shared_data / "syria-control-2024-12"),
            "--faction-field",
            "layer",
            "--format",
            "json",
        ],
    )
    overlaps = {
        (o["date"], tuple(o["factions"])): o["area_km2"]
        for o in json.loads(check.output)["overlaps"]
    }
    assert overlaps[("2024-12-03", ("SAA", "SDF"))] == pytest.approx(132.4278, abs=0.002)


def test_raw_export_with_fill_rules_matches_next_day_file(shared_data, tmp_path):
    rules = tmp_path / "factions.toml"
    rules.write_text(
        '[factions.RU]\nname = "Russian-held"\nmatch = { fill = ["#a52714", "#880e4f"] }\n'
    )
    raw = frontmap.read_layers(shared_data / "ukraine-raw-daily-2024-11", factions_file=rules)
    assert not raw.report.all_errors
    daily = frontmap.read_layers(shared_data / "ukraine-occupied-daily")
    compared = 0
    for d, snap in raw.snapshots.items():
        nxt = d + dt.timedelta(days=1)
        if nxt not in daily.snapshots:
            continue
        got = frontmap.area_km2(snap.territories["RU"])
        want = frontmap.area_km2(daily.snapshots[nxt].territories["ukraine-occupied-daily"])
        assert abs(got - want) / want < 1e-3, (d, got, want)
        compared += 1
    assert compared >= 29


def test_syria_diff_saa_gains_and_losses(shared_data):
    r = CliRunner().invoke(
        main,
        [
            "diff",
            "2024-12-03",
            "2024-12-05",
            str(shared_data / "syria-control-2024-12"),
            "--faction-field",
            "layer",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    # the PostGIS oracle (tests/test_postgis.py) on the shapes densified every 100 m
    # along their geodesics: SAA gained 1787.62758 and lost 133.75383 km²
    oracle = {"SAA": (1787.62758, 133.75383), "SDF": (110.49445, 0.13644),
              "HTS": (0.72658, 1.20576)}
    for f in d["factions"]:
        gained, lost = oracle[f["faction"]]
        slack = 1e-8 * max(f["area_from_km2"], f["area_to_km2"]) + 1e-5
        assert abs(f["gained_km2"] - gained) <= slack, f
        assert abs(f["lost_km2"] - lost) <= slack, f
        # pieces and wholes agree: before densification SAA's edge effect was -5.9 km²
        assert abs(f["net_km2"] - (f["gained_km2"] - f["lost_km2"])) <= slack - 9e-6
        assert abs(f["edge_effect_km2"]) <= slack - 9e-6
    # the SAA/SDF overlap of 12-03 went to SDF: contested -> SDF
    moved = {(t["from"], t["to"]): t["area_km2"] for t in d["transfers"]}
    assert moved[("contested", "SDF")] > 100


def test_ukraine_month_timeline(shared_data, tmp_path):
    import shutil

    month = tmp_path / "nov"
    month.mkdir()
    for f in sorted((shared_data / "ukraine-occupied-daily").glob("deepstatemap_data_202411*")):
        shutil.copy(f, month / f.name)  # a working copy in tmp, never in the project
    daily = {
        d: frontmap.area_km2(s.territories["nov"])
        for d, s in frontmap.read_layers(month).snapshots.items()
    }
    r = CliRunner().invoke(main, ["timeline", str(month), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert len(rows) == len(daily) - 1 >= 28
    for row in rows:
        a = dt.date.fromisoformat(row["date_from"])
        b = dt.date.fromisoformat(row["date_to"])
        assert abs(row["net_km2"] - (daily[b] - daily[a])) < 1e-3
        assert 0 <= row["gained_km2"] <= 100 and 0 <= row["lost_km2"] <= 100
        size = max(row["area_from_km2"], row["area_to_km2"])
        assert abs(row["net_km2"] - (row["gained_km2"] - row["lost_km2"])) <= 1e-8 * size + 1e-6
