"""Command-line wiring: help, version, formats, exit codes and messages."""

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from frontmap import __version__
from frontmap.cli import main

from .conftest import feature, rect, rel, ring_km2, write_fc


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small(tmp_path):
    # vertices every 0.05°: where the rectangles meet, they share their (geodesic) edges
    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([rect(40, 35, 41, 36, 0.05)])])
    write_fc(tmp_path / "2017-01-09" / "SAA.geojson", [feature([rect(41, 35, 42, 36, 0.05)])])
    write_fc(tmp_path / "2017-01-16" / "IS.geojson", [feature([rect(40, 35, 41.5, 36, 0.05)])])
    write_fc(tmp_path / "2017-01-16" / "SAA.geojson", [feature([rect(41, 35, 42, 36, 0.05)])])
    return tmp_path


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.output
    out = subprocess.run(
        [sys.executable, "-m", "frontmap", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"frontmap, version {__version__}"


def test_every_command_has_help_text():
    for name, cmd in main.commands.items():
        assert cmd.help and len(cmd.help) > 40, name
        r = run(name, "--help")
        assert r.exit_code == 0, name
        assert "Example:" in r.output, f"{name} --help shows no example"
        for p in cmd.params:
            if p.param_type_name == "option" and p.name != "help":
                assert p.help, f"{name} {p.opts} has no help"


def test_areas_json_keys_and_values(small):
    r = run("areas", small, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert all(set(row) == {"date", "faction", "area_km2", "parts"} for row in rows)
    first = rows[0]
    assert first["date"] == "2017-01-09" and first["faction"] == "IS" and first["parts"] == 1
    assert rel(first["area_km2"], ring_km2(rect(40, 35, 41, 36, 0.05))) < 1e-6
    # 01-16: IS and SAA overlap on 41..41.5 -> a contested row
    contested = [x for x in rows if x["faction"] == "contested"]
    assert [c["date"] for c in contested] == ["2017-01-16"]
    assert rel(contested[0]["area_km2"], ring_km2(rect(41, 35, 41.5, 36, 0.05))) < 1e-6


def test_areas_csv_md_table(small):
    text = run("areas", small, "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["date", "faction", "area_km2", "parts"] and len(rows) == 5
    md = run("areas", small, "--format", "md").output
    assert md.startswith("| date | faction | area_km2 | parts |\n|---|---|---:|---:|")
    table = run("areas", small).output
    assert "2017-01-09  IS" in table


def test_dates(small):
    r = run("dates", small, "--format", "json")
    assert json.loads(r.output) == [
        {"date": "2017-01-09", "factions": ["IS", "SAA"], "files": 2},
        {"date": "2017-01-16", "factions": ["IS", "SAA"], "files": 2},
    ]


def test_bad_command_line_exits_2(small):
    assert run("areas", small, "--format", "xml").exit_code == 2
    assert run("areas", small / "nope").exit_code == 2
    assert run("areas", small, "--min-part-km2", "-1").exit_code == 2
    assert run("nosuchcommand").exit_code == 2


def test_bad_data_exits_1_with_file_and_feature(tmp_path):
    write_fc(
        tmp_path / "2017-01-09" / "IS.geojson",
        [feature([rect(0, 0, 1, 1)]), feature([rect(4e5, 4e6, 5e5, 5e6)])],
    )
    r = CliRunner().invoke(main, ["areas", str(tmp_path)])
    assert r.exit_code == 1
    assert "2017-01-09/IS.geojson: feature 1: coordinates out of lon/lat range" in r.output
    assert "Traceback" not in r.output


def test_unparsable_file_exits_1_without_traceback(tmp_path):
    (tmp_path / "2017-01-09").mkdir()
    (tmp_path / "2017-01-09" / "IS.geojson").write_text('{"type": "FeatureCollection", ')
    for cmd in ("areas", "check", "dates"):
        r = CliRunner().invoke(main, [cmd, str(tmp_path)])
        assert r.exit_code == 1, cmd
        assert "IS.geojson" in r.output and "not valid JSON" in r.output
        assert "Traceback" not in r.output


def test_check_clean_repaired_and_failing(tmp_path):
    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([rect(0, 0, 1, 1)])])
    r = run("check", tmp_path)
    assert r.exit_code == 0 and r.output.rstrip().endswith("OK")
    write_fc(
        tmp_path / "2017-01-09" / "SAA.geojson",
        [feature([[[1, 0], [2, 1], [2, 0], [1, 1], [1, 0]]])],
    )
    r = run("check", tmp_path)
    assert r.exit_code == 0, r.output
    assert "repaired feature 0: invalid polygon (Self-intersection" in r.output
    write_fc(
        tmp_path / "2017-01-09" / "SDF.geojson",
        [feature([rect(3, 0, 4, 1)]), feature([rect(0, 120, 1, 121)])],
    )
    r = run("check", tmp_path, "--format", "json")
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["ok"] is False and report["totals"]["errors"] == 1
    sdf = next(f for f in report["files"] if f["file"].endswith("SDF.geojson"))
    assert sdf["errors"][0]["feature"] == "1"


def test_check_reports_overlaps_and_unmatched(tmp_path):
    (tmp_path / "factions.toml").write_text('[factions.RU]\nmatch = { fill = "#a52714" }\n')
    write_fc(
        tmp_path / "raw_2024-11-01.geojson",
        [
            feature([rect(0, 0, 2, 1, step=1)], fill="#a52714"),
            feature([rect(1, 0, 3, 1, step=1)], fill="#a52714", faction="X"),
            feature([rect(5, 0, 6, 1)], fill="#ff5252"),
        ],
    )
    write_fc(tmp_path / "other_2024-11-01.geojson", [feature([rect(1, 0, 2, 1)], faction="UA")])
    r = run("check", tmp_path, "--format", "json")
    report = json.loads(r.output)
    assert report["totals"]["unmatched"] == 1
    (ov,) = report["overlaps"]
    assert ov["factions"] == ["RU", "UA"]
    assert rel(ov["area_km2"], ring_km2(rect(1, 0, 2, 1))) < 1e-6
