"""Real archives as they come: dates from names, CRS sanity, typos caught, clips.

Every fixture is made here (Fiona writes the Shapefiles and GeoPackages);
areas are checked against pyproj.Geod computed in the test.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.cli import main
from frontmap.read.names import DatePattern, date_in_name, epoch_in_name

from .conftest import feature, geodesic_polygon, polygon_km2, rect, rel, ring_km2, write_fc
from .test_browser import browser  # noqa: F401 - Chromium, launched once, for the colours

D = dt.date


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def areas_json(*args) -> dict:
    r = run("areas", *args, "--format", "json")
    assert r.exit_code == 0, r.output
    return {(x["date"], x["faction"]): x["area_km2"] for x in json.loads(r.stdout)}


def square(tmp, name, x0=30.0, y0=48.0, size=1.0, **props):
    ring = rect(x0, y0, x0 + size, y0 + size)
    write_fc(tmp / name, [feature([ring], **props)])
    return ring_km2(ring)


# --- dates from names -------------------------------------------------------------


def test_unix_seconds_and_milliseconds_names_are_utc_dates(tmp_path):
    # 1730505599 = 2024-11-01 23:59:59 UTC; 1730505600000 ms = 2024-11-02 00:00:00 UTC
    a = square(tmp_path, "1730505599.geojson", faction="RU")
    b = square(tmp_path, "1730505600000.geojson", size=2.0, faction="RU")
    c = square(tmp_path, "export-1730851200.geojson", size=0.5, faction="RU")  # 2024-11-06
    got = areas_json(tmp_path)
    assert got.keys() == {("2024-11-01", "RU"), ("2024-11-02", "RU"), ("2024-11-06", "RU")}
    assert rel(got[("2024-11-01", "RU")], a) < 1e-6
    assert rel(got[("2024-11-02", "RU")], b) < 1e-6
    assert rel(got[("2024-11-06", "RU")], c) < 1e-6


def test_name_rules():
    assert date_in_name("20241101T211111Z_1730495471").time == dt.time(21, 11, 11)
    assert date_in_name("control_2024-12-03").date == D(2024, 12, 3)
    assert date_in_name("deepstatemap_data_20241101_polygons").date == D(2024, 11, 1)
    got = date_in_name("snap_20241101211111")  # 14 digits: a compact date and time
    assert (got.date, got.time) == (D(2024, 11, 1), dt.time(21, 11, 11))
    assert date_in_name("202411012111").time == dt.time(21, 11)
    assert epoch_in_name("1662934073").date == D(2022, 9, 11)
    assert epoch_in_name("1662934073123").time == dt.time(22, 7, 53)
    assert epoch_in_name("123456789") is None  # 1973: an id, not a date
    assert epoch_in_name("12345678") is None  # 8 digits are never Unix time


def test_a_dated_folder_beats_unix_time_in_the_name(tmp_path):
    square(tmp_path / "2017-01-09", "1730505599.geojson")
    assert frontmap.read_layers(tmp_path).dates == [D(2017, 1, 9)]


def test_an_id_that_is_no_date_is_an_error(tmp_path):
    square(tmp_path, "123456789.geojson")
    square(tmp_path, "1730505599.geojson")
    r = run("areas", tmp_path)
    assert r.exit_code == 1
    assert "123456789.geojson" in r.stderr and "no date" in r.stderr
    assert "--date-pattern" in r.stderr


@pytest.mark.parametrize(
    "pattern, name",
    [
        ("%d.%m.%Y", "ISW map 03.12.2024 final"),
        ("%b %d %Y", "ISW_Dec 3 2024"),
        (r"v\d+_(?P<date>\d{8})", "v2_20241203_x"),
        (r"(?P<day>\d\d)-(?P<month>[A-Za-z]{3})-(?P<year>\d{4})", "map 03-Dec-2024"),
    ],
)
def test_date_pattern(tmp_path, pattern, name):
    want = square(tmp_path, f"{name}.geojson", faction="SAA")
    got = areas_json(tmp_path, "--date-pattern", pattern)
    assert list(got) == [("2024-12-03", "SAA")]
    assert rel(got[("2024-12-03", "SAA")], want) < 1e-6


def test_date_pattern_that_matches_nothing_says_so(tmp_path):
    square(tmp_path, "map 03.12.2024.geojson")
    r = run("areas", tmp_path, "--date-pattern", "%Y_%m_%d")
    assert r.exit_code == 1
    assert "does not match --date-pattern '%Y_%m_%d'" in r.stderr


@pytest.mark.parametrize("bad", ["%Y-%m", "(?P<date>[0-9", "%Q%d", "nothing"])
def test_bad_date_pattern_is_a_usage_error(tmp_path, bad):
    square(tmp_path, "x_2024-12-03.geojson")
    r = run("areas", tmp_path, "--date-pattern", bad)
    assert r.exit_code == 2, r.output
    assert "--date-pattern" in r.output
    with pytest.raises(frontmap.errors.ArgumentError):
        DatePattern(bad)


def test_date_offset_shifts_every_date(tmp_path):
    square(tmp_path, "deepstatemap_data_20241101.geojson", faction="RU")
    write_fc(
        tmp_path / "other.geojson",
        [feature([rect(35, 48, 36, 49)], faction="UA", date="2024-11-05")],
    )
    got = areas_json(tmp_path, "--date-offset", "-1")
    assert set(got) == {("2024-10-31", "RU"), ("2024-11-04", "UA")}
    r = run("dates", tmp_path, "--date-offset", "2", "--format", "csv")
    assert r.stdout.splitlines()[1:] == ["2024-11-03,RU,1", "2024-11-07,UA,1"]


def test_same_date_twice_is_merged_and_listed(tmp_path):
    # two exports of one day: a west square in one, an east square overlapping it in the other
    write_fc(tmp_path / "20241101T090000Z.geojson", [feature([rect(30, 48, 31, 49)], faction="RU")])
    write_fc(
        tmp_path / "20241101T210000Z.geojson", [feature([rect(30.5, 48, 32, 49)], faction="RU")]
    )
    got = areas_json(tmp_path)
    # the union of the two squares, each edge a geodesic of its own square
    import shapely

    west, east = geodesic_polygon(rect(30, 48, 31, 49)), geodesic_polygon(rect(30.5, 48, 32, 49))
    union = polygon_km2(shapely.union(west, east))
    assert rel(got[("2024-11-01", "RU")], union) < 1e-6
    r = run("check", tmp_path, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["duplicates"] == [
        {
            "date": "2024-11-01",
            "faction": "RU",
            "files": ["20241101T090000Z.geojson", "20241101T210000Z.geojson"],
        }
    ]
    text = run("check", tmp_path).stdout
    assert "2024-11-01  RU: 20241101T090000Z.geojson, 20241101T210000Z.geojson" in text
    # --latest reads only the evening export
    latest = areas_json(tmp_path, "--latest")
    assert rel(latest[("2024-11-01", "RU")], ring_km2(rect(30.5, 48, 32, 49))) < 1e-6
    r = run("check", tmp_path, "--latest", "--format", "json")
    report = json.loads(r.stdout)
    assert report["duplicates"] == []
    (skipped,) = [f for f in report["files"] if f["notes"]]
    assert skipped["file"] == "20241101T090000Z.geojson" and skipped["features"] == 0
    assert "--latest keeps 20241101T210000Z.geojson" in skipped["notes"][0]["message"]


def test_same_date_from_two_unix_names(tmp_path):
    a = ring_km2(rect(30, 48, 31, 49))
    write_fc(tmp_path / "1730451600.geojson", [feature([rect(30, 48, 31, 49)], faction="RU")])
    write_fc(tmp_path / "1730494800.geojson", [feature([rect(40, 48, 41, 49)], faction="RU")])
    got = areas_json(tmp_path)
    b = ring_km2(rect(40, 48, 41, 49))
    assert rel(got[("2024-11-01", "RU")], a + b) < 1e-6
    latest = areas_json(tmp_path, "--latest")  # 1730494800 = 21:00 UTC, the later one
    assert rel(latest[("2024-11-01", "RU")], b) < 1e-6


# --- CRS sanity ------------------------------------------------------------------

LONLAT = [(30.0, 48.0), (31.0, 48.0), (31.0, 49.0), (30.0, 49.0), (30.0, 48.0)]
SCHEMA = {"geometry": "Polygon", "properties": {"faction": "str"}}


def write_ogr(path, ring, epsg, driver):
    import fiona
    from fiona.crs import CRS

    with fiona.open(path, "w", driver=driver, crs=CRS.from_epsg(epsg), schema=SCHEMA) as f:
        f.write({"geometry": {"type": "Polygon", "coordinates": [ring]},
                 "properties": {"faction": "RU"}})
    return path


def projected(ring, epsg):
    import pyproj

    t = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    return [t.transform(x, y) for x, y in ring]


@pytest.mark.parametrize(
    "name, driver, epsg, who",
    [
        ("zone_2024-11-01.shp", "ESRI Shapefile", 32637, "its .prj declares EPSG:32637"),
        ("zone_2024-11-01.gpkg", "GPKG", 3857, "its SRS declares EPSG:3857"),
    ],
)
def test_projected_crs_on_degrees_is_an_error(tmp_path, name, driver, epsg, who):
    path = write_ogr(tmp_path / name, LONLAT, epsg, driver)
    before = path.read_bytes()
    r = run("areas", tmp_path)
    assert r.exit_code == 1, r.output
    msg = r.stderr
    assert name in msg and who in msg, msg
    assert "every coordinate lies within lon/lat range (x 30..31, y 48..49)" in msg
    assert "--crs EPSG:4326" in msg and "Traceback" not in r.output
    check = run("check", tmp_path, "--format", "json")
    assert check.exit_code == 1 and not json.loads(check.stdout)["ok"]
    # --crs overrides what the file declares: the right area
    got = areas_json(tmp_path, "--crs", "EPSG:4326")
    assert rel(got[("2024-11-01", "RU")], ring_km2(LONLAT)) < 1e-9
    assert path.read_bytes() == before  # never modified


def test_crs_far_from_its_area_of_use_is_an_error(tmp_path):
    # UTM 37N metres labelled as ETRS89 / LAEA Europe: they would land off Newfoundland
    write_ogr(tmp_path / "x_2024-11-01.shp", projected(LONLAT, 32637), 3035, "ESRI Shapefile")
    r = run("areas", tmp_path)
    assert r.exit_code == 1, r.output
    assert "its .prj declares EPSG:3035" in r.stderr
    assert "meant for Europe" in r.stderr and "km away" in r.stderr
    assert "--crs CRS" in r.stderr
    got = areas_json(tmp_path, "--crs", "EPSG:32637")
    assert rel(got[("2024-11-01", "RU")], ring_km2(LONLAT)) < 1e-6


def test_crs_option_reprojects_geojson_without_a_crs_member(tmp_path):
    utm = projected(LONLAT, 32637)
    write_fc(tmp_path / "x_2024-11-01.geojson", [feature([[list(p) for p in utm]], faction="RU")])
    assert run("areas", tmp_path).exit_code == 1  # metres read as degrees: out of range
    got = areas_json(tmp_path, "--crs", "EPSG:32637")
    assert rel(got[("2024-11-01", "RU")], ring_km2(LONLAT)) < 1e-6
    r = run("areas", tmp_path, "--crs", "EPSG:4326")
    assert r.exit_code == 1 and "with --crs EPSG:4326 these coordinates land outside" in r.stderr


def test_unknown_crs_option_is_a_usage_error(tmp_path):
    square(tmp_path, "x_2024-11-01.geojson")
    r = run("areas", tmp_path, "--crs", "EPSG:99999")
    assert r.exit_code == 2 and "--crs" in r.output


def test_kilometres_as_metres_land_near_null_island(tmp_path):
    km = [(x / 1000, y / 1000) for x, y in projected(LONLAT, 3857)]
    write_ogr(tmp_path / "x_2024-11-01.gpkg", km, 3857, "GPKG")
    r = run("check", tmp_path, "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    (f,) = report["files"]
    assert any("near (0, 0)" in w["message"] for w in f["warnings"]), f["warnings"]
    kinds = [s["kind"] for s in report["suspicious"]]
    assert kinds == ["tiny-territory"], report["suspicious"]
    assert run("check", tmp_path, "--strict").exit_code == 1


# --- typos ------------------------------------------------------------------------


def test_factions_toml_key_typo_suggests_the_key(tmp_path):
    square(tmp_path, "x_2024-11-01.geojson", faction="IS")
    (tmp_path / "factions.toml").write_text('[factions.IS]\ncolr = "red"\n')
    r = run("areas", tmp_path)
    assert r.exit_code == 1
    assert "unknown key(s) 'colr' (did you mean 'color'?)" in r.stderr


def test_css_colour_names_are_stored_as_hex(tmp_path):
    t = frontmap.FactionTable.from_dict(
        {"factions": {"A": {"color": "DarkGreen"}, "B": {"colour": "red"}, "C": {"color": "#ABC"}}}
    )
    assert [t.get(x).color for x in "ABC"] == ["#006400", "#ff0000", "#aabbcc"]
    with pytest.raises(frontmap.errors.ConfigError, match="did you mean 'darkgreen'"):
        frontmap.FactionTable.from_dict({"factions": {"A": {"color": "darkgren"}}})


@pytest.mark.browser
def test_every_css_colour_name_is_what_a_browser_draws(browser):  # noqa: F811
    from frontmap.read.colors import CSS_COLORS

    assert len(CSS_COLORS) == 148
    page = browser.new_page()
    page.set_content("<div id=d></div>")
    drawn = page.evaluate(
        """names => names.map(n => { const d = document.getElementById('d');
             d.style.color = ''; d.style.color = n; return getComputedStyle(d).color; })""",
        list(CSS_COLORS),
    )
    page.close()
    for (name, hexa), rgb in zip(CSS_COLORS.items(), drawn, strict=True):
        want = "rgb({}, {}, {})".format(*(int(hexa[i : i + 2], 16) for i in (1, 3, 5)))
        assert rgb == want, name


def test_match_key_no_feature_has_is_a_warning(tmp_path):
    write_fc(
        tmp_path / "x_2024-11-01.geojson",
        [feature([rect(30, 48, 31, 49)], fill="#a52714", name="Occupied")],
    )
    (tmp_path / "factions.toml").write_text('[factions.RU]\nmatch = { fil = ["#a52714"] }\n')
    r = run("check", tmp_path, "--format", "json")
    assert r.exit_code == 1, r.output  # nothing matched: no polygon used
    report = json.loads(r.stdout)
    (w,) = report["warnings"]
    assert "match key 'fil' is not a property of any feature" in w["message"]
    assert "(did you mean 'fill'?)" in w["message"]
    assert "'fill' (always '#a52714'), 'name' (always 'Occupied')" in w["message"]
    (e,) = report["errors"]
    assert "1 of them polygons, none used: 1 matched no faction rule" in e["message"]
    r = run("areas", tmp_path)  # the warning says why there is no territory
    assert r.exit_code == 1 and "match key 'fil'" in r.stderr


@pytest.mark.parametrize("option", ["--faction-field", "--date-field"])
def test_a_field_no_feature_has_is_an_error(tmp_path, option):
    write_fc(
        tmp_path / "x_2024-11-01.geojson",
        [feature([rect(30, 48, 31, 49)], side="RU"), feature([rect(32, 48, 33, 49)], side="UA")],
    )
    r = run("areas", tmp_path, option, "sid")
    assert r.exit_code == 1, r.output
    assert f"{option} 'sid': no feature has this property (did you mean 'side'?)" in r.stderr
    assert "the features have: 'side' (2 values: 'RU', 'UA')" in r.stderr
    if option == "--faction-field":
        assert areas_json(tmp_path, option, "side").keys() == {
            ("2024-11-01", "RU"),
            ("2024-11-01", "UA"),
        }


def test_every_feature_named_after_its_folder_is_noted_with_a_hint(tmp_path):
    layers = tmp_path / "syria"
    write_fc(
        layers / "x_2024-11-01.geojson",
        [feature([rect(30, 48, 31, 49)], side="RU", id=1),
         feature([rect(32, 48, 33, 49)], side="UA", id=2),
         feature([rect(34, 48, 35, 49)], side="RU", id=3)],
    )
    r = run("check", layers, "--format", "json")
    assert r.exit_code == 0
    (note,) = json.loads(r.stdout)["notes"]
    assert "every feature's faction is the name of its folder ('syria')" in note["message"]
    assert "the property 'side' looks like it names factions" in note["message"]
    assert "try --faction-field side" in note["message"]
    assert "note: " in run("check", layers).stdout
    # a faction property: nothing to note
    r = run("check", layers, "--faction-field", "side", "--format", "json")
    assert json.loads(r.stdout)["notes"] == []


def test_no_polygon_at_all_fails_check(tmp_path):
    write_fc(
        tmp_path / "x_2024-11-01.geojson",
        [{"type": "Feature", "properties": {},
          "geometry": {"type": "Point", "coordinates": [1, 2]}}],
    )
    r = run("check", tmp_path)
    assert r.exit_code == 1
    assert "1 feature(s) read, none of them a polygon (1 points)" in r.stdout


# --- clips ------------------------------------------------------------------------


def test_clip_keeps_whole_parts_cuts_crossing_ones_and_check_reports_it(tmp_path):
    outline = tmp_path / "outline.geojson"
    write_fc(outline, [feature([rect(30, 47, 34, 50)])])
    # a part inside, a part across the edge (x 33.5..35), a part outside
    write_fc(
        tmp_path / "layers" / "x_2024-11-01.geojson",
        [feature([[rect(30.5, 48, 31, 49)], [rect(33.5, 48, 35, 49)], [rect(40, 48, 41, 49)]],
                 multi=True, faction="RU")],
    )
    got = areas_json(tmp_path / "layers", "--clip", outline)
    # edges are geodesics: the part cut at the outline keeps its own bowed top edge
    cut_part = shapely.intersection(
        geodesic_polygon(rect(33.5, 48, 35, 49)), geodesic_polygon(rect(30, 47, 34, 50))
    )
    kept = ring_km2(rect(30.5, 48, 31, 49)) + polygon_km2(cut_part)
    assert rel(got[("2024-11-01", "RU")], kept) < 1e-9
    r = run("check", tmp_path / "layers", "--clip", outline, "--format", "json")
    (cut,) = json.loads(r.stdout)["clipped"]
    whole = sum(ring_km2(x) for x in (rect(30.5, 48, 31, 49), rect(33.5, 48, 35, 49),
                                       rect(40, 48, 41, 49)))
    assert cut["faction"] == "RU" and rel(cut["area_km2"], whole) < 1e-9
    assert rel(cut["removed_km2"], whole - kept) < 1e-6
    text = run("check", tmp_path / "layers", "--clip", outline).stdout
    assert "Ground the clip removed" in text and "2024-11-01  RU: " in text


def test_clipper_is_the_plain_intersection():
    from frontmap.read.clipper import Clipper

    outline = shapely.Polygon(rect(0, 0, 10, 10, step=0.37), [rect(4, 4, 5, 5)])
    clip = Clipper(outline)
    shapes = [
        shapely.box(1, 1, 2, 2),  # inside
        shapely.box(20, 20, 21, 21),  # outside
        shapely.box(9, 9, 11, 11),  # across the edge
        shapely.box(3.5, 3.5, 4.5, 4.5),  # across the hole
        shapely.MultiPolygon([shapely.box(1, 1, 2, 2), shapely.box(9, 1, 12, 2),
                              shapely.box(30, 1, 31, 2)]),
    ]
    for g in shapes:
        got, want = clip(g), shapely.intersection(g, outline)
        if want.is_empty:
            assert got is None
            continue
        assert got.is_valid and abs(got.area - want.area) <= 1e-12 * want.area
        assert shapely.symmetric_difference(got, want).area <= 1e-12


def test_diff_reads_only_its_two_dates(tmp_path):
    for day in ("2024-11-01", "2024-11-02"):
        square(tmp_path, f"x_{day}.geojson", faction="RU")
    (tmp_path / "x_2024-11-03.geojson").write_text("{ not json")
    r = run("diff", "2024-11-01", "2024-11-02", tmp_path, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["factions"][0]["net_km2"] == 0
    assert run("areas", tmp_path).exit_code == 1  # the broken file is still there
    r = run("diff", "2024-11-01", "2024-11-09", tmp_path)
    assert r.exit_code == 2
    assert "2024-11-01, 2024-11-02, 2024-11-03" in r.stderr
    out = tmp_path / "page.html"
    r = run("compare", "2024-11-01", "2024-11-02", tmp_path, "--offline", "-o", out)
    assert r.exit_code == 0, r.output


# --- real data (skipped without ../shared/data) -------------------------------------

RULES = '[factions.RU]\nname = "Russian-held"\nmatch = { fill = ["#a52714", "#880e4f"] }\n'


@pytest.mark.slow
def test_raw_exports_renamed_to_unix_times_read_the_same(shared_data, tmp_path):
    import shutil

    raw = shared_data / "ukraine-raw-daily-2024-11"
    unix = tmp_path / "unix"
    unix.mkdir()
    for f in sorted(raw.glob("*.geojson")):  # 20241101T211111Z_1730495471.geojson
        shutil.copy(f, unix / f"{f.stem.split('_')[1]}.geojson")  # -> 1730495471.geojson
    rules = tmp_path / "factions.toml"
    rules.write_text(RULES)
    named = frontmap.read_layers(raw, factions_file=rules)
    renamed = frontmap.read_layers(unix, factions_file=rules)
    assert len(named.dates) == 30 and renamed.dates == named.dates
    for d in named.dates:
        a = named.snapshots[d].territories["RU"]
        b = renamed.snapshots[d].territories["RU"]
        assert shapely.equals_exact(a, b, 0), d
    assert named.report.duplicates == renamed.report.duplicates == []


@pytest.mark.slow
def test_raw_exports_with_rules_matching_nothing_fail_check(shared_data, tmp_path):
    rules = tmp_path / "F.toml"
    rules.write_text(RULES.replace("fill =", "fil ="))
    r = run("check", shared_data / "ukraine-raw-daily-2024-11", "--factions", rules)
    assert r.exit_code == 1
    assert "3,084 of them polygons, none used: 3,084 matched no faction rule" in r.stdout
    assert "match key 'fil'" in r.stdout and "(did you mean 'fill'?)" in r.stdout


@pytest.mark.slow
def test_syria_faction_field_typo_lists_layer(shared_data):
    r = run("areas", shared_data / "syria-control-2024-12", "--faction-field", "lyr")
    assert r.exit_code == 1
    assert "no feature has this property (did you mean 'layer'?)" in r.stderr
    assert "the features have: 'layer' (3 values:" in r.stderr
    r = run("check", shared_data / "syria-control-2024-12")
    assert "try --faction-field layer" in r.stdout


@pytest.mark.slow
def test_prepared_clip_gives_the_plain_intersection_on_real_data(shared_data):
    from frontmap.analysis.geodesy import area_km2
    from frontmap.read.clipper import Clipper

    outline = frontmap.read_outline(
        shared_data / "boundaries" / "ukraine_national_boundary_2015_stanford.geojson"
    )
    layers = frontmap.read_layers(shared_data / "ukraine-occupied-daily")
    clip = Clipper(outline)
    for d in (D(2024, 7, 15), D(2024, 11, 15), D(2026, 8, 15)):
        (terr,) = layers.snapshots[d].territories.values()
        got, want = clip(terr), shapely.intersection(terr, outline)
        assert rel(area_km2(got), area_km2(want)) < 1e-9, d
        assert len(shapely.get_parts(got)) == len(shapely.get_parts(want))



# --- the build manifest takes the same reader options ---------------------------


def test_manifest_reader_options(tmp_path):
    layers = tmp_path / "layers"
    for name in ("1730505599", "1730592000"):  # 2024-11-01 23:59:59 and 2024-11-03 00:00 UTC
        square(layers, f"{name}.geojson", faction="RU")
    (tmp_path / "frontmap.toml").write_text(
        '[defaults]\nlayers = "layers"\noutput = "out"\ndate_offset = -1\n'
        'faction_field = "faction"\n'
        '[[table]]\nname = "areas"\nkind = "areas"\nformat = "json"\n'
        '[[map]]\nname = "m"\nfrom = "2024-10-31"\nto = "2024-11-02"\n'
    )
    r = run("build", "--config", tmp_path / "frontmap.toml", "--jobs", "1")
    assert r.exit_code == 0, r.output
    rows = json.loads((tmp_path / "out" / "areas.json").read_text())
    assert [x["date"] for x in rows] == ["2024-10-31", "2024-11-02"]
    assert (tmp_path / "out" / "m.html").is_file()
    (tmp_path / "frontmap.toml").write_text(
        '[defaults]\nlayers = "layers"\noutput = "out"\ndate_pattern = "%Q"\nlates = true\n'
        '[[table]]\nname = "areas"\nkind = "areas"\n'
    )
    r = run("build", "--config", tmp_path / "frontmap.toml")
    assert r.exit_code == 1 and "unknown key(s) lates (did you mean 'latest'?)" in r.output
    (tmp_path / "frontmap.toml").write_text(
        '[defaults]\nlayers = "layers"\noutput = "out"\ndate_pattern = "%Q"\n'
        '[[map]]\nname = "m"\nfrom = "first"\nto = "last"\n'
    )
    r = run("build", "--config", tmp_path / "frontmap.toml")
    assert r.exit_code == 1 and "%Q is not supported" in r.output
