"""Cases a hand mutation run found the suite letting through.

Each test here was checked by re-applying the deliberate bug it names (the
issue lists them): it fails with the bug and passes without it.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
import shapely

import frontmap
from frontmap.analysis.change import diff
from frontmap.analysis.geodesy import length_km
from frontmap.analysis.timeline import timeline
from frontmap.read.model import Snapshot
from frontmap.render import compare_page
from frontmap.render import page as page_module

from .conftest import GEOD, feature, rect, ring_km2, write_fc

D1, D2 = "2020-01-01", "2020-01-08"


def snap(date, **territories):
    return Snapshot(frontmap.read.parse_date(date), territories)


def box(x0, y0, x1, y1):
    return shapely.box(x0, y0, x1, y1)


def box_km2(x0, y0, x1, y1) -> float:
    return ring_km2(rect(x0, y0, x1, y1))


# -- 1. length_km of multi-part lines -------------------------------------------------


def test_length_of_multi_part_lines_and_collections():
    a = [(30.0, 10.0), (31.0, 10.5), (32.0, 10.0)]
    b = [(30.0, 20.0), (30.0, 21.0)]
    want = sum(GEOD.line_length(*zip(*line, strict=True)) for line in (a, b)) / 1000
    multi = shapely.MultiLineString([a, b])
    assert length_km(multi) == pytest.approx(want, rel=1e-12)
    collection = shapely.GeometryCollection([shapely.LineString(a), shapely.MultiLineString([b])])
    assert length_km(collection) == pytest.approx(want, rel=1e-12)
    polys = shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    ring = rect(0, 0, 1, 1)
    one = GEOD.line_length(*zip(*ring, strict=True)) / 1000
    assert length_km(polys) == pytest.approx(2 * one, rel=1e-9)


# -- 2., 3. a split's corridor and who cut it --------------------------------------------


def test_split_corridor_is_only_the_ground_between_the_pieces():
    """SAA loses a strip that cuts it in two, and an unrelated corner far from it."""
    # (the long edges have vertices where the strips will cut them: a geodesic from 0E to
    # 3E is not the two from 0E to 1.4E and from 1.6E to 3E, and the difference between
    # them, a sliver 40 m wide along 1N, would count as lost)
    cuts = [(0, 1), (1.4, 1), (1.6, 1), (3, 1)]
    s_from = snap(D1, SAA=shapely.Polygon([(0, 0), (1.4, 0), (1.6, 0), (2.8, 0), (3, 0), (3, 0.2),
                                           *reversed(cuts)]),
                  IS=shapely.Polygon([*cuts, (3, 2), (0, 2)]))
    taken = shapely.union(box(1.4, 0, 1.6, 1), box(2.8, 0, 3, 0.2))
    saa_to = shapely.difference(box(0, 0, 3, 1), taken)
    is_to = shapely.union_all([box(0, 1, 3, 2), box(1.4, 0, 1.6, 1), box(2.8, 0, 3, 0.2)])
    d = diff(s_from, snap(D2, SAA=saa_to, IS=is_to))
    (split,) = [e for e in d.events if e.type == "split"]
    assert split.faction == "SAA" and split.details["by"] == ["IS"]
    assert split.details["corridor_km2"] == pytest.approx(box_km2(1.4, 0, 1.6, 1), rel=1e-6)
    lost = d.faction("SAA").lost_km2
    assert lost == pytest.approx(box_km2(1.4, 0, 1.6, 1) + box_km2(2.8, 0, 3, 0.2), rel=1e-6)


def test_split_by_names_factions_never_unassigned():
    """Half the corridor is taken by IS, half is left to nobody."""
    # (the long edges have vertices where the strips will cut them: a geodesic from 0E to
    # 3E is not the two from 0E to 1.4E and from 1.6E to 3E, and the difference between
    # them, a sliver 40 m wide along 1N, would count as lost)
    cuts = [(0, 1), (1.4, 1), (1.6, 1), (3, 1)]
    s_from = snap(D1, SAA=shapely.Polygon([(0, 0), (1.4, 0), (1.6, 0), (2.8, 0), (3, 0), (3, 0.2),
                                           *reversed(cuts)]),
                  IS=shapely.Polygon([*cuts, (3, 2), (0, 2)]))
    saa_to = shapely.difference(box(0, 0, 3, 1), box(1.4, 0, 1.6, 1))
    is_to = shapely.union(box(0, 1, 3, 2), box(1.4, 0, 1.6, 0.5))
    d = diff(s_from, snap(D2, SAA=saa_to, IS=is_to))
    (split,) = [e for e in d.events if e.type == "split"]
    assert split.details["by"] == ["IS"]
    assert split.details["parts_after"] == 2


# -- 4. new pockets ----------------------------------------------------------------------


def test_new_pocket_is_reported_with_its_area_and_who_held_it():
    s_from = snap(D1, IS=box(5, 0, 8, 1), SDF=box(10, 0, 12, 1))
    s_to = snap(D2, IS=shapely.union(box(5, 0, 8, 1), box(10, 0, 11, 1)), SDF=box(11, 0, 12, 1))
    d = diff(s_from, s_to)
    (event,) = [e for e in d.events if e.type == "new_pocket"]
    assert event.faction == "IS"
    assert event.details["area_km2"] == pytest.approx(box_km2(10, 0, 11, 1), rel=1e-6)
    assert event.details["from"] == ["SDF"]


# -- 5., 7. names that are markup, where they land in the page ---------------------------


QUOTE = 'x" onmouseover="alert(1)'
IMG = "<img src=x onerror=alert(2)>"


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


@pytest.fixture
def markup_layers(tmp_path):
    """Two factions named with markup that *receive* ground (transfers to them)."""
    feats = [
        feature([rect(36, 34, 38, 35)], faction="RED", date=D1),
        feature([rect(38, 34, 39, 35)], faction=QUOTE, date=D1),
        feature([rect(36, 35, 39, 36)], faction=IMG, date=D1),
        feature([rect(36, 34, 36.5, 35)], faction="RED", date=D2),
        feature([rect(37, 34, 39, 35)], faction=QUOTE, date=D2),
        feature([rect(36, 35, 39, 36)], faction=IMG, date=D2),
        feature([rect(36.5, 34, 37, 35)], faction=IMG, date=D2),
    ]
    write_fc(tmp_path / "t.geojson", feats)
    layers = frontmap.read_layers(tmp_path / "t.geojson")
    d = frontmap.diff_dates(layers, D1, D2)
    receivers = {t.to_holder for t in d.transfers if t.area_km2 >= 0.5}
    assert {QUOTE, IMG} <= receivers
    return layers, d


def test_names_with_quotes_stay_inside_their_attributes(markup_layers):
    layers, d = markup_layers
    parsed = _Elements()
    parsed.feed(compare_page(layers, d))
    names = {k for k, _ in parsed.attrs}
    assert "onmouseover" not in names
    assert QUOTE in {v for k, v in parsed.attrs if k == "data-holder"}


def test_receiving_names_in_the_transfers_table_are_text(markup_layers):
    layers, d = markup_layers
    html = compare_page(layers, d)
    parsed = _Elements()
    parsed.feed(html)
    assert "img" not in parsed.tags
    table = html[html.index("Who took ground from whom") :]
    assert "&lt;img src=x onerror=alert(2)&gt;" in table[: table.index("</table>")]


# -- 6. inlined assets cannot close their element ----------------------------------------


def test_inlined_code_cannot_close_its_element(markup_layers, monkeypatch):
    layers, d = markup_layers
    js = 'var s = "</script><script>alert(4)</script>"; var t = "</SCRIPT >";'
    css = ".a{content:'</style><img src=y>'}"
    monkeypatch.setattr(page_module, "_own_assets", lambda: (js, css))
    html = compare_page(layers, d)
    # the data, the provenance record, Leaflet and our own code
    assert html.lower().count("</script") == 4
    assert html.lower().count("</style") == 2  # Leaflet's CSS and ours
    parsed = _Elements()
    parsed.feed(html)
    assert "img" not in parsed.tags and parsed.tags.count("script") == 4


# -- 8. the fast timeline counts small parts ---------------------------------------------


def test_timeline_counts_parts_of_one_to_three_km2():
    # about 1.5 km² and 2.5 km² pockets (at 10°N) beside a main body, and a 0.5 km² crumb
    side = lambda km2: (km2 / (110.6 * 109.6)) ** 0.5  # noqa: E731 - degrees for a square
    pockets = [box(5, 10, 5 + side(k), 10 + side(k)) for k in (1.5, 2.5, 0.5)]
    km2 = [ring_km2(rect(*p.bounds)) for p in pockets]
    assert 1.2 < km2[0] < 1.8 and 2.2 < km2[1] < 2.8 and km2[2] < 0.8
    terr = shapely.MultiPolygon([box(0, 10, 1, 11), *pockets])
    rows = list(timeline([snap(D1, A=terr), snap(D2, A=terr)]))
    assert rows[0].parts_from == 3 and rows[0].parts_to == 3


def test_markup_fixture_is_json_safe(markup_layers):
    """The data block of the page parses and keeps the names as they are."""
    layers, d = markup_layers
    html = compare_page(layers, d)
    start = html.index('id="fm-data">') + len('id="fm-data">')
    data = json.loads(html[start : html.index("</script>", start)])
    assert {QUOTE, IMG} <= {h["name"] for h in data["holders"]}


# -- 9., 10., 11. the drafted summary ------------------------------------------------------


def _two_new_pockets():
    """Kurds take two small separate pockets from IS near one town, and lose nothing."""
    s_from = snap(D1, IS=box(0, 0, 4, 1), Kurds=box(0, 1, 4, 2))
    pockets = shapely.union(box(1.0, 0.1, 1.1, 0.2), box(1.3, 0.1, 1.4, 0.2))
    s_to = snap(D2, IS=shapely.difference(box(0, 0, 4, 1), pockets),
                Kurds=shapely.union(box(0, 1, 4, 2), pockets))
    town = [frontmap.Place("Tel Town", 1.2, 0.15)]
    return diff(s_from, s_to, places=town, names={"Kurds": "Kurds"}, min_story_km2=1.0)


def test_repeated_events_near_one_place_make_one_sentence():
    d = _two_new_pockets()
    assert [e.type for e in d.events].count("new_pocket") == 2
    text = frontmap.summarize(d)
    km2 = sum(e.details["area_km2"] for e in d.events if e.type == "new_pocket")
    assert f"Kurds holds two new pockets near Tel Town, {km2:,.0f} km² in all." in text
    assert "holds a new pocket" not in text


def test_possessive_of_a_name_ending_in_s():
    text = frontmap.summarize(_two_new_pockets())
    assert "of Kurds' pockets near Tel Town are now encircled" in text
    assert "Kurds's" not in text


def test_gains_and_losses_keep_their_verbs():
    """IS gives ground to SDF and takes ground from SAA: 'gained ... from SAA' and
    'lost ... to SDF', with the table's numbers (the summary checker reads them back)."""
    s_from = snap(D1, IS=box(0, 0, 2, 1), SAA=box(2, 0, 3, 1), SDF=box(-1, 0, 0, 1))
    s_to = snap(D2, IS=box(0.5, 0, 2.5, 1), SAA=box(2.5, 0, 3, 1), SDF=box(-1, 0, 0.5, 1))
    d = diff(s_from, s_to)
    text = frontmap.summarize(d)
    is_ = d.faction("IS")
    gained = f"gained {is_.gained_km2:,.0f} km², all of it from SAA"
    lost = f"lost {is_.lost_km2:,.0f} km², all of it to SDF"
    assert gained in text and lost in text, text
