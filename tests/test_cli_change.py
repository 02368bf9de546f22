"""diff, splits and timeline on the command line."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from frontmap.cli import main

from .conftest import feature, rel, ring_km2, write_fc
from .test_change import AIRPORT, CITY, CORRIDOR, ENCLAVE, MAIN, SIEGE


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def siege(tmp_path):
    write_fc(tmp_path / "2017-01-09" / "SAA.geojson", [feature([MAIN]), feature([ENCLAVE])])
    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([SIEGE, ENCLAVE])])
    write_fc(
        tmp_path / "2017-01-16" / "SAA.geojson",
        [feature([MAIN]), feature([CITY]), feature([AIRPORT])],
    )
    write_fc(tmp_path / "2017-01-16" / "IS.geojson", [feature([SIEGE, CITY, AIRPORT])])
    (tmp_path / "places.csv").write_text(
        "name,lat,lon\nDeir ez-Zour,35.33,40.06\n"
        "Deir ez-Zour airport,35.28,40.2\nHoms,34.73,36.71\n"
    )
    return tmp_path


DIFF_KEYS = {
    "faction",
    "area_from_km2",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "change_pct",
    "parts_from",
    "parts_to",
}


def test_diff_json_schema(siege):
    r = run("diff", "2017-01-09", "2017-01-16", siege, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["from"] == "2017-01-09" and d["to"] == "2017-01-16"
    assert {"from", "to", "factions", "transfers", "events", "front_lines"} <= set(d)
    assert all(DIFF_KEYS <= set(f) for f in d["factions"])
    (transfer,) = d["transfers"]
    assert transfer == {
        "from": "SAA",
        "to": "IS",
        "area_km2": pytest.approx(ring_km2(CORRIDOR), rel=1e-6),
        "near": "Deir ez-Zour",
        "near_km": pytest.approx(transfer["near_km"]),
        "near_bearing": transfer["near_bearing"],
    }
    assert transfer["near_km"] < 25 and transfer["near_bearing"] in {
        "north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"
    }
    # the claims: SAA's loss is IS's gain, one to one
    (claim,) = d["claims"]
    assert (claim["from"], claim["to"], claim["counts_for"]) == ("SAA", "IS", "both")
    assert claim["area_km2"] == pytest.approx(ring_km2(CORRIDOR), rel=1e-6)
    (split,) = d["events"]
    assert split["type"] == "split" and split["by"] == ["IS"]
    assert {
        "parts_before", "parts_after", "by", "corridor_km2", "part_areas_km2", "near", "near_km",
        "near_bearing",
    } <= set(split)
    assert split["near"].startswith("Deir ez-Zour")
    assert d["front_lines"][0]["factions"] == ["IS", "SAA"]  # no factions.toml: by id
    assert set(d["front_lines"][0]) == {"factions", "length_from_km", "length_to_km"}


def test_diff_md_summary_and_csv(siege):
    md = run("diff", "2017-01-09", "2017-01-16", siege, "--format", "md").output
    corridor = ring_km2(CORRIDOR)
    grew = f"IS's ground grew by {corridor:,.0f} km² (+0.81%)"
    assert f"{grew}, all of it from SAA near Deir ez-Zour." in md
    assert "SAA's pocket near Deir ez-Zour" in md and "was cut in two by IS." in md
    rows = list(
        csv.DictReader(
            io.StringIO(run("diff", "2017-01-09", "2017-01-16", siege, "--format", "csv").output)
        )
    )
    assert [r["faction"] for r in rows] == ["IS", "SAA"]
    assert rel(float(rows[1]["lost_km2"]), corridor) < 1e-6
    table = run("diff", "2017-01-09", "2017-01-16", siege).output
    assert "Transfers" in table and "split" in table


def test_diff_unknown_or_bad_date_is_a_usage_error(siege):
    r = CliRunner().invoke(main, ["diff", "2017-01-09", "2017-02-01", str(siege)])
    assert r.exit_code == 2 and "no snapshot dated 2017-02-01" in r.output
    assert "2017-01-09, 2017-01-16" in r.output
    r = CliRunner().invoke(main, ["diff", "yesterday", "2017-01-16", str(siege)])
    assert r.exit_code == 2 and "is not a date" in r.output


def test_splits_json(siege):
    r = run("splits", "2017-01-16", siege, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    saa = next(x for x in data if x["faction"] == "SAA")
    assert saa["date"] == "2017-01-16"
    main_, airport, city = saa["parts"]
    assert main_["main"] and main_["distance_to_main_km"] is None
    assert set(main_) == {
        "area_km2",
        "centroid",
        "main",
        "distance_to_main_km",
        "encircled_by",
        "border_km",
        "near",
        "near_km",
        "near_bearing",
    }
    assert rel(airport["area_km2"], ring_km2(AIRPORT)) < 1e-6
    assert airport["encircled_by"] == ["IS"] and city["encircled_by"] == ["IS"]
    assert airport["distance_to_main_km"] > 250 and city["distance_to_main_km"] > 250
    assert airport["near"] == "Deir ez-Zour airport" and city["near"] == "Deir ez-Zour"
    assert main_["near"] == "Homs"
    # DATE defaults to the last date; LAYERS may come alone
    assert json.loads(run("splits", siege, "--format", "json").output) == data


def test_splits_min_part_and_link(siege):
    data = json.loads(
        run("splits", "2017-01-16", siege, "--format", "json", "--link-km", "10").output
    )
    saa = next(x for x in data if x["faction"] == "SAA")
    assert len(saa["parts"]) == 2  # city and airport (5 km apart) linked into one
    data = json.loads(
        run("splits", "2017-01-16", siege, "--format", "json", "--min-part-km2", "250").output
    )
    saa = next(x for x in data if x["faction"] == "SAA")
    assert len(saa["parts"]) == 2  # the city pocket (~202 km²) left out


def test_timeline_csv_and_json(siege):
    text = run("timeline", siege).output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "date_from",
        "date_to",
        "faction",
        "area_from_km2",
        "area_to_km2",
        "gained_km2",
        "lost_km2",
        "net_km2",
        "parts_from",
        "parts_to",
    ]
    assert [(r["faction"], r["parts_from"], r["parts_to"]) for r in rows] == [
        ("IS", "1", "1"),
        ("SAA", "2", "3"),
    ]
    data = json.loads(run("timeline", siege, "--format", "json").output)
    assert data[1]["faction"] == "SAA" and rel(data[1]["lost_km2"], ring_km2(CORRIDOR)) < 1e-6
