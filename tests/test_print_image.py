"""`compare --image FILE.png|.svg|.pdf`: print images whose text stays text."""

from __future__ import annotations

import re
import zlib

import pytest
from click.testing import CliRunner

import frontmap
from frontmap.cli import main

from .conftest import ROOT

PAIR = ["compare", "2017-01-09", "2017-01-16", str(ROOT / "layers"), "--offline"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def image(tmp_path, name: str, *extra) -> bytes:
    out = tmp_path / name
    r = run(*PAIR, "-o", tmp_path / "page.html", "--image", out, *extra)
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.output
    return out.read_bytes()


def test_svg_text_stays_text(tmp_path):
    svg = image(tmp_path, "pair.svg").decode("utf-8")
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    words = set(texts)
    # the title, the dates, city labels (drawn with a halo on the PNG), the legend
    for w in ("Territorial control, 9 Jan → 16 Jan 2017", "9 January 2017", "Mosul",
              "Raqqa", "Syrian government and allies", "cut in two", "200 km", "Front line"):
        assert w in words, w
    assert "font-family" in svg and "DejaVu Sans" in svg
    assert svg.count("<text") >= 60
    assert "<dc:date>" not in svg  # no timestamp
    assert image(tmp_path, "again.svg").decode("utf-8") == svg


def _pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    return out


def test_pdf_text_and_embedded_fonts(tmp_path):
    pdf = image(tmp_path, "pair.pdf")
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf  # TrueType fonts embedded (pdf.fonttype 42)
    assert b"/Subtype /Type3" not in pdf  # no text as Type 3 outlines
    streams = _pdf_streams(pdf)
    assert sum(s.count(b"BT") for s in streams) > 40  # text objects: text, not paths
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf
    assert b"/Title " in pdf and b"/Subject (Data: 14 files" in pdf
    assert image(tmp_path, "again.pdf") == pdf


def test_png_and_the_alias(tmp_path):
    png = image(tmp_path, "pair.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "alias.png"
    r = run(*PAIR, "-o", tmp_path / "page.html", "--png", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == png


def test_bad_image_options(tmp_path):
    r = run(*PAIR, "-o", tmp_path / "p.html", "--image", tmp_path / "pair.tiff")
    assert r.exit_code == 2 and ".png, .svg or .pdf" in r.output
    r = run(*PAIR, "-o", tmp_path / "p.html", "--image", tmp_path / "a.svg", "--png",
            tmp_path / "b.png")
    assert r.exit_code == 2 and "not both" in r.output
    r = run(*PAIR, "-o", tmp_path / "p.html", "--image", tmp_path / "missing" / "a.pdf")
    assert r.exit_code == 1 and "does not exist" in r.output
    assert not (tmp_path / "p.html").exists()  # refused before any work


def test_library():
    layers = frontmap.read_layers(ROOT / "layers")
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")
    from frontmap.render import compare_image

    svg = compare_image(layers, d, fmt="svg")
    assert svg.startswith(b"<?xml")
    with pytest.raises(frontmap.ArgumentError):
        compare_image(layers, d, fmt="gif")
    assert frontmap.compare_png(layers, d) == compare_image(layers, d, fmt="png")
