"""frontmap chart, animate (page data, GIF, MP4), areas --wide, and their build entries."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from frontmap.analysis.change import diff_dates
from frontmap.analysis.series import area_series
from frontmap.cli import main
from frontmap.read import Catalog, read_layers
from frontmap.render.animate_data import animation_data
from frontmap.render.chart import render_chart
from frontmap.render.text import km2_short

from .conftest import GEOD, ROOT, feature, geodesic_polygon, polygon_km2, write_fc
from .test_compare import EVIL_IMG, EVIL_SCRIPT, EVIL_TPL

DEMO = ROOT / "layers"
SVG = "{http://www.w3.org/2000/svg}"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def areas_csv(layers) -> dict[tuple[str, str], float]:
    r = run("areas", layers, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = csv.DictReader(io.StringIO(r.output))
    return {(x["date"], x["faction"]): float(x["area_km2"]) for x in rows}


def evil_layers(root: Path) -> Path:
    """Three dates, two factions named with injection payloads, one of them cut in two."""
    sq = [[36, 34], [37, 34], [37, 35], [36, 35], [36, 34]]
    feats = []
    for date, cut in (("2020-01-01", None), ("2020-01-08", None), ("2020-01-15", 36.5)):
        feats.append(feature([sq], faction="RED", date=date))
        east = [[37, 34], [38, 34], [38, 35], [37, 35], [37, 34]]
        feats.append(feature([east], faction=EVIL_IMG, date=date))
        if cut is None:
            feats.append(feature([[[36, 35], [38, 35], [38, 36], [36, 36], [36, 35]]],
                                 faction=EVIL_SCRIPT, date=date))
        else:
            a = [[36, 35], [36.9, 35], [36.9, 36], [36, 36], [36, 35]]
            b = [[37.1, 35], [38, 35], [38, 36], [37.1, 36], [37.1, 35]]
            c = [[36.9, 35], [37.1, 35], [37.1, 36], [36.9, 36], [36.9, 35]]
            feats.append(feature([[a], [b]], multi=True, faction=EVIL_SCRIPT, date=date))
            feats.append(feature([c], faction="RED", date=date))
    write_fc(root / "territory.geojson", feats)
    (root / "factions.toml").write_text(
        f'[factions.RED]\nname = "Red {EVIL_TPL}"\ncolor = "#c0392b"\n', encoding="utf-8"
    )
    return root


# ---------------------------------------------------------------------------
# the series


def test_series_numbers_are_those_of_frontmap_areas():
    s = area_series(Catalog(DEMO).iter_snapshots())
    want = areas_csv(DEMO)
    for f in s.factions:
        for i, d in enumerate(s.dates):
            assert round(s.areas[f][i], 6) == pytest.approx(want.get((d.isoformat(), f), 0.0))


def test_series_area_against_pyproj():
    """A square degree at the equator, measured independently."""
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    import datetime as dt

    from frontmap.read.model import Snapshot

    snap = Snapshot(dt.date(2020, 1, 1), {"A": shapely.Polygon(ring)})
    s = area_series([snap])
    lons, lats = zip(*ring, strict=True)
    want = abs(GEOD.polygon_area_perimeter(lons, lats)[0]) / 1e6
    assert s.areas["A"][0] == pytest.approx(want, rel=1e-9)


def test_parts_based_events_agree_with_diff_on_the_demo():
    layers = read_layers(DEMO)
    s = area_series(layers.snapshots.values())
    dates = layers.dates
    for a, b in zip(dates[:-1], dates[1:], strict=True):
        d = diff_dates(layers, a, b)
        want = {(e.type, e.faction) for e in d.events if e.type != "encircled"}
        got = {(e.type, e.faction) for e in s.events if e.date == b and e.type != "encircled"}
        assert got == want, (a, b)
    split = [e for e in s.events if e.type == "split"]
    assert [(e.faction, e.date.isoformat(), e.pieces) for e in split] == [
        ("SAA", "2017-01-16", 2)
    ]
    assert any(e.type == "encircled" and e.faction == "SAA" for e in s.events)


# ---------------------------------------------------------------------------
# chart


def _lines(svg: bytes) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if re.fullmatch(r"fm-line-\d+", g.get("id", ""))]


def test_chart_svg_one_line_per_faction_and_end_values(tmp_path):
    out = tmp_path / "c.svg"
    r = run("chart", DEMO, "-o", out)
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert len(_lines(data)) == 7
    text = "".join(ET.fromstring(data).itertext())
    want = areas_csv(DEMO)
    for fid, name in (("IS", "Islamic State"), ("IQ", "Iraqi government forces")):
        assert name in text
        assert f"{km2_short(want[('2017-01-16', fid)])} km²" in text
    assert "SAA cut in two" in text  # the biggest split is marked


def test_chart_only_relative_and_formats(tmp_path):
    out = tmp_path / "c.svg"
    r = run("chart", DEMO, "-o", out, "--only", "Islamic State,saa", "--relative")
    assert r.exit_code == 0, r.output
    assert len(_lines(out.read_bytes())) == 2
    assert "100%" in "".join(ET.fromstring(out.read_bytes()).itertext())
    for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        p = tmp_path / f"c.{ext}"
        assert run("chart", DEMO, "-o", p).exit_code == 0
        assert p.read_bytes().startswith(magic)


def test_chart_is_deterministic():
    s = area_series(Catalog(DEMO).iter_snapshots())
    table = Catalog(DEMO).factions
    for fmt in ("svg", "png", "pdf"):
        assert render_chart(s, table, fmt=fmt) == render_chart(s, table, fmt=fmt)


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "c.txt"], "must end in .svg, .png, .pdf"),
        (["-o", "c.svg", "--only", "Nobody"], "'Nobody' names no faction"),
        (["-o", "c.svg", "--from", "2017-02-01", "--to", "2017-01-01"], "--from is after --to"),
    ],
)
def test_chart_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["chart", str(DEMO), *args])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_chart_range_with_no_dates_exits_1(tmp_path):
    r = run("chart", DEMO, "-o", tmp_path / "c.svg", "--from", "2018-01-01")
    assert r.exit_code == 1
    assert "no snapshot between 2018-01-01" in r.output


def test_inline_chart_escapes_faction_names(tmp_path):
    layers = evil_layers(tmp_path / "evil")
    out = tmp_path / "page.html"
    r = run("compare", "2020-01-01", "2020-01-15", layers, "--offline", "-o", out)
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    start = page.index('<section class="fm-timeline">')
    section = page[start:page.index("</section>", start)]
    assert "<script" not in section.lower() and "<img" not in section
    assert "&lt;img src=x" in section  # the name (wrapped at its end label), as text
    ET.fromstring(section[section.index("<svg"):section.rindex("</svg>") + 6])
    assert section.count('id="fm-line-') == 3


# ---------------------------------------------------------------------------
# areas --wide


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "table"])
def test_areas_wide(fmt):
    r = run("areas", DEMO, "--wide", "--format", fmt)
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.output)))
        want = areas_csv(DEMO)
        assert len(rows) == 4
        assert list(rows[0]) == ["date", "IS", "SAA", "IQ", "KRG", "SDF", "TFSA", "OPP"]
        for row in rows:
            for f, v in row.items():
                if f != "date":
                    assert float(v) == pytest.approx(want[(row["date"], f)])
    elif fmt == "json":
        doc = json.loads(r.output)
        assert [d["date"] for d in doc] == ["2016-12-01", "2016-12-11", "2017-01-09", "2017-01-16"]
    else:
        assert "2017-01-16" in r.output and "58,166.6" in r.output


def test_areas_wide_contested_column(tmp_path):
    root = tmp_path / "l"
    sq = [[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]
    other = [[1, 0], [3, 0], [3, 1], [1, 1], [1, 0]]
    write_fc(root / "t.geojson", [feature([sq], faction="A", date="2020-01-01"),
                                  feature([other], faction="B", date="2020-01-01")])
    r = run("areas", root, "--wide", "--format", "csv")
    head, row = r.output.splitlines()[:2]
    assert head == "date,A,B,contested"
    # edges are geodesics: each square's top edge bows north along its own geodesic, so
    # the overlap is bounded by the lower of the two
    import shapely

    want = polygon_km2(shapely.intersection(geodesic_polygon(sq), geodesic_polygon(other)))
    assert float(row.split(",")[3]) == pytest.approx(want, rel=1e-6)


# ---------------------------------------------------------------------------
# animation data, GIF and MP4


def test_faces_draw_each_date_close_to_its_territory():
    layers = read_layers(DEMO)
    data = animation_data(Catalog(DEMO).iter_snapshots(), layers.factions)
    assert len(data.changes) == 4
    for i, d in enumerate(layers.dates):
        drawn = data.drawn(i)
        for fid, g in layers.snapshot(d).territories.items():
            sym = shapely.area(shapely.symmetric_difference(drawn[fid], g))
            assert sym < 0.01 * shapely.area(g) + 1e-3, (d, fid)
    # consecutive dates share their faces: only changed faces are listed
    assert len(data.changes[0]) == len(data.faces)
    assert all(len(c) < len(data.faces) for c in data.changes[1:])


def test_gif_has_one_frame_per_date(tmp_path):
    from PIL import Image

    out = tmp_path / "a.gif"
    r = run("animate", DEMO, "-o", out, "--fps", "2")
    assert r.exit_code == 0, r.output
    with Image.open(out) as im:
        assert im.n_frames == 4
        assert im.size[0] == 1080
        assert im.info["duration"] == 500
        im.seek(3)
        frame = im.convert("RGB")
    again = tmp_path / "b.gif"
    assert run("animate", DEMO, "-o", again, "--fps", "2").exit_code == 0
    assert out.read_bytes() == again.read_bytes()
    assert frame.getpixel((540, 400)) != (255, 255, 255)


def test_mp4_is_playable(tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "a.mp4"
    r = run("animate", DEMO, "-o", out, "--from", "2016-12-11")
    assert r.exit_code == 0, r.output
    frames, secs = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 3
    assert secs == pytest.approx(0.75, abs=0.01)
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert meta["size"][0] == 1080
    assert len(next(reader)) == meta["size"][0] * meta["size"][1] * 3
    reader.close()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_animation_page_numbers_equal_areas(tmp_path):
    out = tmp_path / "a.html"
    r = run("animate", DEMO, "-o", out, "--offline")
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    doc = json.loads(re.search(r'<script type="application/json" id="fm-data">(.*?)</script>',
                               page, re.S).group(1))
    want = areas_csv(DEMO)
    for h in doc["holders"]:
        if h["kind"] != "faction":
            continue
        for d, a in zip(doc["dates"], h["areas"], strict=True):
            assert a == pytest.approx(want.get((d["iso"], h["id"]), 0.0), abs=1e-6)
    assert "https://" not in page.replace("https://leafletjs.com", "")
    again = tmp_path / "b.html"
    assert run("animate", DEMO, "-o", again, "--offline").exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_animate_usage_errors(tmp_path):
    r = run("animate", DEMO, "-o", tmp_path / "a.avi")
    assert r.exit_code == 2 and "must end in .html, .gif, .mp4" in r.output
    r = run("animate", DEMO, "-o", tmp_path / "a.html", "--offline", "--basemap", "tiles")
    assert r.exit_code == 2 and "tiles need the network" in r.output


# ---------------------------------------------------------------------------
# build


def test_build_chart_and_animation_entries(tmp_path):
    import shutil

    shutil.copytree(DEMO, tmp_path / "layers")
    (tmp_path / "frontmap.toml").write_text(
        'title = "t"\n[defaults]\nlayers = "layers"\noutput = "out"\n'
        '[[map]]\nname = "m"\nfrom = "first"\nto = "last"\n'
        '[[chart]]\nname = "charts/area"\nformat = ["svg", "pdf"]\nrelative = true\n'
        '[[animation]]\nname = "anim"\nformat = "html"\nfps = 2\n',
        encoding="utf-8",
    )
    cfg = tmp_path / "frontmap.toml"
    r = run("build", "--config", cfg, "-j", "1")
    assert r.exit_code == 0, r.output
    out = tmp_path / "out"
    for name in ("charts/area.svg", "charts/area.pdf", "anim.html", "m.thumb.png", "m.html"):
        assert (out / name).is_file(), name
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'src="charts/area.svg"' in index and 'src="m.thumb.png"' in index
    assert 'href="anim.html"' in index
    assert '<section class="fm-timeline">' in (out / "m.html").read_text(encoding="utf-8")
    r = run("build", "--config", cfg, "-j", "1")
    assert "built 0, skipped 3" in r.output
    # a new date changes the chart, the animation and the map's chart: all rebuilt
    extra = tmp_path / "layers" / "2017-01-23"
    shutil.copytree(tmp_path / "layers" / "2017-01-16", extra)
    r = run("build", "--config", cfg, "-j", "1")
    assert "built 3, skipped 0" in r.output, r.output


def test_build_rejects_bad_chart_format(tmp_path):
    (tmp_path / "frontmap.toml").write_text(
        f'[defaults]\nlayers = "{DEMO}"\noutput = "out"\n[[chart]]\nname = "c"\nformat = "gif"\n',
        encoding="utf-8",
    )
    r = run("build", "--config", tmp_path / "frontmap.toml")
    assert r.exit_code == 1
    assert "format must be one of svg, png, pdf" in r.output


def test_factions_given_as_ids_points_to_only(tmp_path):
    """`--factions IS,SAA` (what a reader of the chart's docs might try) is not a file:
    the error says so and names --only, and nothing is written."""
    out = tmp_path / "c.svg"
    r = CliRunner().invoke(main, ["chart", str(DEMO), "--factions", "IS,SAA", "-o", str(out)])
    assert r.exit_code == 2
    assert "--only IS,SAA" in r.output and "factions.toml" in r.output
    assert not out.exists()
