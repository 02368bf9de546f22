#!/usr/bin/env python3
"""Generate frontmap's bundled *illustrative* demo layers (Syria/Iraq, winter 2016/17).

Everything here was typed by hand from general geographic knowledge and public
reporting. It is NOT survey data and was not derived from any data file.

How it works
------------
* SYRIA and IRAQ are hand-typed outlines sharing one border polyline.
* CELLS is an ordered list of hand-typed polygons ("rings"). All rings plus the
  two outlines are noded into one line network and polygonized, so neighbouring
  faces share identical vertices. A face belongs to the FIRST cell in CELLS
  (with the same country) whose ring contains it; rings may therefore overshoot
  into higher-priority cells or outside the region.
* Faces are merged into cells, cell coordinates are rounded to ROUND_DIGITS
  decimals (identical vertices stay identical), and each date's faction layer is
  the union of the cells that faction holds on that date. A cell held by UN on a
  date is unassigned ground (open desert no faction holds): no layer covers it.
* The outlines are written to _source/outline.geojson (ignored by frontmap's
  discovery; use it with --clip or as a --basemap FILE).
* The written files are re-read and checked (validity, no overlaps, layers plus
  unassigned cells cover the outlines, enclave topology, distances, areas shaped
  to the published figures). The numbers go into layers/README.md.

Run:  python layers/_source/make_demo.py        (stdlib + shapely>=2 + pyproj)
Output is deterministic: running it twice gives byte-identical files.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.polygon import orient
from shapely.ops import polygonize, unary_union

LAYERS = Path(__file__).resolve().parent.parent
ROUND_DIGITS = 5
GEOD = Geod(ellps="WGS84")
NOTE = "Illustrative demo made by hand for frontmap from public reporting; not survey data."
DATES = ["2016-12-01", "2016-12-11", "2017-01-09", "2017-01-16"]

# id, name, colour, aliases, coalition
FACTIONS = [
    ("IS", "Islamic State", "#2b2b2b", ["ISIS", "ISIL", "Daesh"], "jihadist"),
    (
        "SAA",
        "Syrian government and allies",
        "#d62728",
        ["Syrian Arab Army", "Syrian government", "Government", "Assad"],
        "pro-government",
    ),
    (
        "IQ",
        "Iraqi government forces",
        "#c9a66b",
        [
            "ISF",
            "Iraqi Security Forces",
            "Iraqi Army",
            "Iraqi government",
            "PMF",
            "Popular Mobilization Forces",
        ],
        "iraqi-government",
    ),
    (
        "KRG",
        "Kurdistan Region (Peshmerga)",
        "#fdae61",
        ["Peshmerga", "Kurdistan Regional Government", "Kurdistan Region", "Iraqi Kurdistan"],
        "kurdistan-region",
    ),
    (
        "SDF",
        "Syrian Democratic Forces",
        "#e9d642",
        ["Syrian Democratic Forces", "YPG", "YPG/SDF", "Rojava"],
        "sdf",
    ),
    (
        "TFSA",
        "Turkish-backed rebels (Euphrates Shield)",
        "#1f8a8a",
        [
            "FSA (Euphrates Shield)",
            "Euphrates Shield",
            "Turkish-backed rebels",
            "Turkish-backed FSA",
        ],
        "opposition",
    ),
    (
        "OPP",
        "Other Syrian opposition",
        "#74b45a",
        ["Syrian opposition", "Opposition", "Rebels", "FSA"],
        "opposition",
    ),
]
FACTION_IDS = [f[0] for f in FACTIONS]

# --------------------------------------------------------------------------------------
# Outlines (lon, lat). The Syria-Iraq border is shared verbatim by both outlines.
# --------------------------------------------------------------------------------------
SY_IQ_BORDER = [  # north -> south
    (42.36, 37.11),  # Syria-Iraq-Turkey tripoint on the Tigris
    (42.22, 36.96),
    (42.08, 36.80),  # Yarubiyah / Rabia
    (41.85, 36.65),
    (41.42, 36.52),
    (41.28, 36.35),
    (41.27, 36.25),
    (41.262, 36.15),
    (41.25, 36.00),
    (41.22, 35.62),
    (41.12, 35.15),
    (41.02, 34.75),
    (40.98, 34.42),  # Albu Kamal / al-Qaim
    (40.25, 34.07),  # on the straight desert border
    (39.52, 33.72),  # on the straight desert border (near al-Tanf)
    (38.79, 33.37),  # Syria-Iraq-Jordan tripoint
]
SYRIA = (
    [
        (35.92, 35.93),  # coast at the Turkish border
        (36.00, 35.98),
        (36.15, 35.82),
        (36.37, 36.02),
        (36.38, 36.20),
        (36.52, 36.22),
        (36.66, 36.32),
        (36.66, 36.46),
        (36.57, 36.62),
        (36.63, 36.80),
        (36.70, 36.84),
        (36.82, 36.80),
        (37.00, 36.68),
        (37.12, 36.65),
        (37.40, 36.66),
        (37.70, 36.72),
        (38.03, 36.84),  # Jarabulus on the Euphrates
        (38.20, 36.90),
        (38.40, 36.92),
        (38.60, 36.86),
        (38.95, 36.70),  # Tell Abyad
        (39.30, 36.70),
        (39.80, 36.78),
        (40.08, 36.85),
        (40.70, 37.00),
        (41.22, 37.07),  # Qamishli
        (41.80, 37.08),
        (42.18, 37.30),
    ]
    + SY_IQ_BORDER
    + [
        (37.10, 32.45),
        (36.84, 32.31),
        (36.40, 32.38),
        (36.07, 32.52),  # Jordan
        (35.79, 32.74),
        (35.90, 32.90),
        (35.86, 33.05),
        (35.83, 33.20),
        (35.86, 33.42),  # Golan line
        (36.05, 33.60),
        (36.35, 33.85),
        (36.55, 34.10),
        (36.62, 34.20),
        (36.45, 34.48),
        (36.35, 34.63),
        (35.97, 34.64),  # Lebanon
        (35.90, 34.85),
        (35.88, 34.95),
        (35.94, 35.18),
        (35.92, 35.38),
        (35.78, 35.50),
        (35.76, 35.58),
        (35.83, 35.85),  # coast
    ]
)
IRAQ = (
    [
        (42.36, 37.11),
        (42.75, 37.30),
        (43.15, 37.37),
        (43.60, 37.23),
        (44.10, 37.32),
        (44.35, 37.05),
        (44.62, 37.18),
        (44.79, 37.15),  # Turkey
        (45.00, 36.75),
        (45.05, 36.40),
        (45.30, 36.10),
        (45.70, 35.85),
        (45.95, 35.55),
        (46.15, 35.10),
        (45.95, 34.80),
        (45.60, 34.55),
        (45.52, 34.33),
        (45.70, 34.00),
        (45.85, 33.65),
        (46.10, 33.20),
        (46.80, 32.75),
        (47.40, 32.45),
        (47.85, 31.80),
        (47.70, 31.40),
        (47.70, 30.95),
        (48.03, 30.48),
        (48.55, 29.95),  # Iran / Shatt al-Arab
        (48.00, 29.98),
        (47.95, 30.00),
        (47.70, 30.10),
        (47.15, 30.00),
        (46.55, 29.10),  # Gulf, Kuwait
        (44.70, 29.20),
        (42.08, 31.11),
        (39.20, 32.15),  # Saudi Arabia
    ]
    + SY_IQ_BORDER[::-1][:-1]
)

# The Tigris (north -> south); used for the Mosul / Hawija cell edges.
TIGRIS = [
    (42.80, 36.66),
    (42.88, 36.56),
    (42.96, 36.48),
    (43.04, 36.43),
    (43.095, 36.39),
    (43.12, 36.365),
    (43.142, 36.34),
    (43.157, 36.315),
    (43.175, 36.285),
    (43.21, 36.25),
    (43.26, 36.18),
    (43.29, 36.10),
    (43.31, 35.98),
    (43.30, 35.80),
    (43.26, 35.65),
    (43.25, 35.52),
    (43.33, 35.25),
    (43.43, 35.05),
    (43.49, 34.93),
    (43.60, 34.75),
    (43.68, 34.61),
    (43.82, 34.38),
    (43.88, 34.20),
    (44.10, 33.85),
    (44.30, 33.50),
    (44.37, 33.31),
]


def seg(line, a, b):
    """Vertices of `line` from vertex a to vertex b inclusive (either direction)."""
    i, j = line.index(a), line.index(b)
    return line[i : j + 1] if i <= j else line[j : i + 1][::-1]


def border(a, b):
    return seg(SY_IQ_BORDER, a, b)


# East edge of the Syrian government's main body (north -> south). Drawn somewhat west of
# reality (Kuweires, Khanasser road, T4 airbase left out) to keep the Deir ez-Zour enclave
# more than 250 km from it; see README.
SAA_EAST_FRONT = [
    (37.15, 36.42),
    (37.25, 36.35),
    (37.30, 36.27),
    (37.33, 36.18),
    (37.32, 36.05),
    (37.22, 35.85),
    (37.18, 35.60),
    (37.15, 35.35),
    (37.18, 35.10),
    (37.22, 34.85),
    (37.30, 34.60),
    (37.35, 34.40),
    (37.25, 34.20),
    (37.10, 33.90),
    (37.05, 33.55),
    (37.15, 33.30),
    (37.30, 33.00),
]

IS_, SAA, IQ, KRG, SDF, TFSA, OPP = FACTION_IDS

# Published figures the demo is shaped to (sources in README_TEMPLATE). The generator
# checks IS on the first date against IHS Markit's end-of-2016 figure (within 25%) and
# keeps the other large factions within a broad band around the published estimates.
IS_PUBLISHED_KM2 = 60_400  # IHS Markit Conflict Monitor, end of 2016
IS_TOLERANCE = 0.25
PLAUSIBLE_KM2 = {
    SAA: (25_000, 45_000),  # IHS ~30,000 (Dec 2015); SOHR ~36,000 (spring 2017)
    SDF: (15_000, 45_000),  # IHS 15,800 (Dec 2015); SOHR 41,000 (May 2017)
    KRG: (45_000, 75_000),  # ~41,000 (Kurdistan Region) + 23,000-30,000 taken since 2014
    IQ: (300_000, 380_000),  # the rest of Iraq's ~438,000 km²
}


#: holder of ground that no faction claims (unassigned: open desert, nobody's front)
UN = None


def held(*h):
    return tuple(h) if len(h) == len(DATES) else tuple(h * len(DATES))


# --------------------------------------------------------------------------------------
# Cells: (id, country, holders per date, ring). Earlier cells win where rings overlap.
# --------------------------------------------------------------------------------------
CELLS = [
    # ---------------- Iraq ----------------
    (
        "IQ_MOSUL_POCKET_W",
        "IQ",
        held(IS_),  # west Mosul, Badush, Tal Afar
        seg(TIGRIS, (42.96, 36.48), (43.21, 36.25))
        + [
            (43.12, 36.22),
            (42.95, 36.20),
            (42.75, 36.23),
            (42.55, 36.27),
            (42.38, 36.30),
            (42.25, 36.35),
            (42.25, 36.43),
            (42.35, 36.48),
            (42.55, 36.50),
            (42.75, 36.49),
            (42.90, 36.50),
        ],
    ),
    (
        "IQ_MOSUL_EAST_CORE",
        "IQ",
        held(IS_, IS_, IS_, IQ),  # east Mosul, lost by IS mid-January
        seg(TIGRIS, (43.095, 36.39), (43.175, 36.285))
        + [(43.198, 36.31), (43.203, 36.34), (43.195, 36.37), (43.165, 36.395)],
    ),
    (
        "IQ_TEL_KAIF",
        "IQ",
        held(IS_, IS_, IQ, IQ),
        [
            (42.96, 36.48),
            (43.05, 36.53),
            (43.18, 36.53),
            (43.25, 36.47),
            (43.22, 36.41),
            (43.165, 36.395),
            (43.05, 36.38),
            (42.96, 36.45),
        ],
    ),
    (
        "IQ_NINEVEH_NE",
        "IQ",
        held(IS_, IQ, IQ, IQ),
        [
            (43.21, 36.44),
            (43.30, 36.48),
            (43.35, 36.42),
            (43.30, 36.36),
            (43.195, 36.37),
            (43.165, 36.395),
        ],
    ),
    (
        "IQ_HAWIJA",
        "IQ",
        held(IS_),
        seg(TIGRIS, (43.26, 35.65), (43.43, 35.05))
        + [
            (43.60, 34.98),
            (43.85, 34.98),
            (44.05, 35.08),
            (44.18, 35.30),
            (44.05, 35.48),
            (43.80, 35.58),
            (43.55, 35.66),
        ],
    ),
    (
        "IQ_NINEVEH_PLAINS",
        "IQ",
        held(IQ),  # east-bank edge of Mosul, Bartella, Qaraqosh, Nimrud
        [
            (43.15, 36.33),
            (43.18, 36.38),
            (43.25, 36.40),
            (43.38, 36.40),
            (43.45, 36.30),
            (43.47, 36.15),
            (43.40, 36.03),
            (43.31, 35.98),
            (43.22, 36.10),
            (43.15, 36.25),
        ],
    ),
    (
        "IQ_TIGRIS_WEST",
        "IQ",
        held(IQ),  # Qayyarah, Shirqat, Baiji strip + PMF corridor to Sinjar
        [(41.95, 36.30), (42.30, 36.38), (43.00, 36.30), (43.20, 36.28), (43.35, 36.15)]
        + seg(TIGRIS, (43.31, 35.98), (43.26, 35.65))
        + [
            (43.35, 35.40),
            (43.45, 35.10),
            (43.55, 34.90),
            (43.40, 34.85),
            (43.20, 35.05),
            (43.08, 35.35),
            (43.05, 35.60),
            (42.98, 35.72),
            (42.80, 35.95),
            (42.55, 36.10),
            (42.25, 36.18),
            (42.00, 36.22),
            (41.95, 36.24),
        ],
    ),
    (
        "IQ_KURDISTAN",
        "IQ",
        held(KRG),  # Dohuk, Erbil, Sulaymaniyah, Kirkuk, Sinjar, Makhmour
        [
            (41.27, 36.25),
            (41.95, 36.24),
            (42.30, 36.38),
            (43.00, 36.40),
            (43.20, 36.45),
            (43.30, 36.40),
            (43.40, 36.30),
            (43.35, 36.05),
            (43.31, 35.98),
            (43.28, 35.90),
            (43.20, 35.70),
            (43.35, 35.40),
            (43.80, 35.20),
            (44.05, 35.08),
            (44.60, 34.98),
            (44.85, 34.80),
            (45.05, 34.55),
            (45.15, 34.20),
            (46.50, 34.15),
            (46.50, 37.60),
            (42.36, 37.60),
        ]
        + border((42.36, 37.11), (41.28, 36.35)),
    ),
    (
        "IQ_BAAJ_HATRA",
        "IQ",
        held(IS_),  # Baaj, Qairawan, Hatra: south of the PMF corridor to Sinjar
        [
            (41.20, 36.30),
            (42.30, 36.25),
            (42.65, 36.10),
            (42.90, 35.85),
            (42.90, 35.55),
            (42.65, 35.45),
            (42.30, 35.62),
            (41.90, 35.80),
            (41.55, 35.88),
            (41.15, 35.90),
        ],
    ),
    (
        "IQ_ANBAR_VALLEY",
        "IQ",
        held(IS_),  # the Euphrates valley from al-Qaim to Rawa and Anah
        [
            (40.80, 34.62),
            (41.40, 34.66),
            (41.75, 34.66),
            (42.05, 34.55),
            (42.20, 34.36),
            (42.15, 34.24),
            (41.95, 34.24),
            (41.65, 34.30),
            (41.30, 34.24),
            (41.00, 34.18),
            (40.70, 34.20),
        ],
    ),
    (
        "IQ_JAZIRA_ANBAR",
        "IQ",
        held(UN),  # desert between Baaj, Hatra, the Tharthar and the Euphrates: no one's
        border((41.27, 36.25), (40.25, 34.07))
        + [
            (41.20, 33.95),
            (41.70, 34.05),
            (42.10, 34.16),
            (42.30, 34.30),
            (42.60, 34.36),
            (42.95, 34.52),
            (43.10, 34.70),
            (43.40, 34.85),
            (43.30, 35.00),
            (43.60, 36.60),
        ],
    ),
    ("IQ_REST", "IQ", held(IQ), IRAQ),
    # ---------------- Syria ----------------
    (
        "SY_DEIR_EZ_ZOUR_CITY",
        "SY",
        held(SAA),
        [
            (40.085, 35.33),
            (40.10, 35.355),
            (40.125, 35.36),
            (40.155, 35.345),
            (40.168, 35.325),
            (40.150, 35.312),
            (40.120, 35.300),
            (40.095, 35.305),
        ],
    ),
    (
        "SY_DEIR_EZ_ZOUR_AIRPORT",
        "SY",
        held(SAA),
        [
            (40.160, 35.290),
            (40.185, 35.298),
            (40.205, 35.290),
            (40.215, 35.270),
            (40.200, 35.255),
            (40.175, 35.258),
            (40.160, 35.272),
        ],
    ),
    (
        "SY_DEIR_EZ_ZOUR_CORRIDOR",
        "SY",
        held(SAA, SAA, SAA, IS_),  # cemetery area cut by IS
        [
            (40.14, 35.315),
            (40.16, 35.325),
            (40.180, 35.315),
            (40.192, 35.290),
            (40.170, 35.280),
            (40.150, 35.295),
            (40.135, 35.300),
        ],
    ),
    (
        "SY_DEIR_EZ_ZOUR_SOUTH",
        "SY",
        held(SAA, SAA, SAA, IS_),
        [
            (40.088, 35.300),
            (40.092, 35.318),
            (40.135, 35.310),
            (40.155, 35.300),
            (40.165, 35.278),
            (40.120, 35.283),
            (40.095, 35.290),
        ],
    ),
    (
        "SY_EAST_ALEPPO_INNER",
        "SY",
        held(OPP, OPP, SAA, SAA),
        [(37.150, 36.185), (37.170, 36.187), (37.175, 36.172), (37.160, 36.165), (37.148, 36.170)],
    ),
    (
        "SY_EAST_ALEPPO_OUTER",
        "SY",
        held(OPP, SAA, SAA, SAA),
        [
            (37.165, 36.215),
            (37.215, 36.21),
            (37.215, 36.17),
            (37.185, 36.155),
            (37.145, 36.165),
            (37.145, 36.19),
            (37.165, 36.197),
        ],
    ),
    (
        "SY_EASTERN_GHOUTA",
        "SY",
        held(OPP),
        [
            (36.36, 33.53),
            (36.40, 33.58),
            (36.47, 33.62),
            (36.55, 33.60),
            (36.58, 33.53),
            (36.50, 33.46),
            (36.42, 33.47),
            (36.37, 33.50),
        ],
    ),
    (
        "SY_RASTAN",
        "SY",
        held(OPP),
        [
            (36.62, 34.88),
            (36.68, 34.98),
            (36.82, 35.00),
            (36.88, 34.93),
            (36.80, 34.84),
            (36.68, 34.83),
        ],
    ),
    (
        "SY_YARMOUK_BASIN",
        "SY",
        held(IS_),  # IS-affiliated Khalid ibn al-Walid Army
        [(35.70, 32.85), (35.95, 32.85), (36.00, 32.74), (35.95, 32.60), (35.70, 32.60)],
    ),
    (
        "SY_PALMYRA",
        "SY",
        held(SAA, IS_, IS_, IS_),
        [
            (37.95, 34.62),
            (38.20, 34.68),
            (38.45, 34.62),
            (38.50, 34.50),
            (38.30, 34.42),
            (38.00, 34.45),
        ],
    ),
    (
        "SY_T4_ROAD",
        "SY",
        held(SAA, IS_, IS_, IS_),
        [
            (37.45, 34.62),
            (37.70, 34.66),
            (37.98, 34.60),
            (38.05, 34.50),
            (37.70, 34.45),
            (37.45, 34.48),
        ],
    ),
    (
        "SY_AFRIN",
        "SY",
        held(SDF),  # Afrin canton + Tal Rifaat / Menagh
        [
            (36.50, 36.40),
            (36.50, 36.95),
            (37.00, 36.95),
            (37.00, 36.62),
            (37.02, 36.56),
            (37.08, 36.53),
            (37.15, 36.48),
            (37.15, 36.42),
            (37.05, 36.40),
            (36.95, 36.40),
            (36.85, 36.36),
            (36.70, 36.38),
            (36.60, 36.38),
        ],
    ),
    (
        "SY_EUPHRATES_SHIELD",
        "SY",
        held(TFSA),  # Azaz, Mare', Dabiq, al-Rai, Jarabulus
        [
            (36.95, 36.95),
            (38.03, 36.95),
            (38.03, 36.87),
            (38.04, 36.80),
            (38.05, 36.70),
            (37.85, 36.63),
            (37.70, 36.56),
            (37.66, 36.48),
            (37.50, 36.50),
            (37.35, 36.48),
            (37.22, 36.46),
            (37.10, 36.45),
            (36.95, 36.60),
        ],
    ),
    (
        "SY_AL_BAB_NORTH",
        "SY",
        held(IS_, TFSA, TFSA, TFSA),
        [
            (37.30, 36.52),
            (37.60, 36.53),
            (37.66, 36.48),
            (37.60, 36.43),
            (37.50, 36.42),
            (37.38, 36.43),
            (37.30, 36.45),
        ],
    ),
    (
        "SY_AL_BAB_WEST",
        "SY",
        held(IS_, IS_, TFSA, TFSA),
        [
            (37.28, 36.50),
            (37.45, 36.46),
            (37.47, 36.39),
            (37.43, 36.35),
            (37.35, 36.37),
            (37.28, 36.43),
        ],
    ),
    (
        "SY_AL_BAB_OUTSKIRTS",
        "SY",
        held(IS_, IS_, IS_, TFSA),
        [
            (37.44, 36.42),
            (37.50, 36.395),
            (37.50, 36.36),
            (37.45, 36.32),
            (37.40, 36.33),
            (37.38, 36.36),
        ],
    ),
    (
        "SY_NORTHEAST",
        "SY",
        held(SDF),  # Manbij, Kobani, Tell Abyad, Ain Issa, Hasakah, Qamishli
        [
            (37.80, 36.75),
            (37.70, 36.56),
            (37.66, 36.48),
            (37.70, 36.40),
            (37.78, 36.32),
            (37.95, 36.27),
            (38.10, 36.22),
            (38.30, 36.28),
            (38.60, 36.30),
            (38.95, 36.27),
            (39.30, 36.32),
            (39.70, 36.38),
            (40.10, 36.30),
            (40.45, 36.15),
            (40.70, 35.98),
            (41.00, 36.05),
        ]
        + border((41.262, 36.15), (42.36, 37.11))
        + [(42.36, 37.60), (37.80, 37.60)],
    ),
    (
        "SY_RAQQA_NORTH_1",
        "SY",
        held(IS_, SDF, SDF, SDF),  # Wrath of Euphrates, phase 1
        [
            (38.55, 36.40),
            (39.35, 36.40),
            (39.35, 36.22),
            (39.00, 36.17),
            (38.75, 36.18),
            (38.55, 36.22),
        ],
    ),
    (
        "SY_LAKE_ASSAD_NORTH",
        "SY",
        held(IS_, IS_, SDF, SDF),  # phase 2, toward Tabqa
        [
            (38.15, 36.35),
            (38.62, 36.35),
            (38.62, 36.12),
            (38.50, 35.95),
            (38.35, 35.97),
            (38.20, 36.05),
            (38.15, 36.15),
        ],
    ),
    (
        "SY_RAQQA_NORTH_2",
        "SY",
        held(IS_, IS_, IS_, SDF),
        [
            (38.58, 36.26),
            (39.30, 36.27),
            (39.35, 36.22),
            (39.35, 36.16),
            (39.05, 36.10),
            (38.80, 36.09),
            (38.62, 36.12),
        ],
    ),
    (
        "SY_IDLIB",
        "SY",
        held(OPP),  # Idlib, west Aleppo countryside, north Hama, Jisr al-Shughur
        [
            (36.95, 36.40),
            (36.98, 36.35),
            (37.07, 36.28),
            (37.10, 36.22),
            (37.09, 36.16),
            (37.03, 36.10),
            (37.03, 35.95),
            (37.06, 35.80),
            (37.03, 35.65),
            (36.92, 35.45),
            (36.80, 35.32),
            (36.60, 35.30),
            (36.45, 35.38),
            (36.35, 35.50),
            (36.25, 35.65),
            (36.15, 35.75),
            (36.12, 35.87),
            (36.10, 36.10),
            (36.50, 36.60),
            (36.85, 36.50),
        ],
    ),
    (
        "SY_DARAA_QUNEITRA",
        "SY",
        held(OPP),
        [
            (35.60, 33.27),
            (35.88, 33.27),
            (35.98, 33.20),
            (36.08, 33.02),
            (36.12, 32.85),
            (36.06, 32.68),
            (36.08, 32.60),
            (36.14, 32.59),
            (36.16, 32.66),
            (36.20, 32.80),
            (36.22, 32.95),
            (36.25, 33.08),
            (36.32, 33.15),
            (36.50, 33.12),
            (36.55, 33.00),
            (36.42, 32.82),
            (36.40, 32.62),
            (36.55, 32.50),
            (36.55, 32.20),
            (35.60, 32.20),
        ],
    ),
    (
        "SY_TANF_DESERT",
        "SY",
        held(OPP),
        [(37.10, 32.45), (37.10, 33.00), (37.60, 33.25), (38.30, 33.55), (38.90, 33.70)]
        + border((39.52, 33.72), (38.79, 33.37)),
    ),
    (
        "SY_GOVERNMENT_WEST",
        "SY",
        held(SAA),  # Latakia, Tartus, Homs, Hama, Damascus, Aleppo, Suwayda
        [(35.50, 37.00), (37.12, 37.00), (37.12, 36.43)]
        + SAA_EAST_FRONT
        + [(37.30, 32.00), (35.50, 32.00)],
    ),
    (
        "SY_IS_EUPHRATES",
        "SY",
        held(IS_),  # al-Bab's hinterland, Deir Hafer, Maskanah, Tabqa, Raqqa, Deir ez-Zour, Albu Kamal
        [
            (37.00, 36.62),
            (37.95, 36.62),
            (38.20, 36.30),
            (39.35, 36.30),
            (39.35, 36.15),
            (39.70, 36.12),
            (40.00, 35.95),
            (40.30, 35.72),
            (40.50, 35.50),
            (40.75, 35.10),
            (40.98, 34.85),
            (41.40, 34.85),
            (41.40, 34.20),
            (40.75, 34.38),
            (40.50, 34.68),
            (40.25, 34.92),
            (39.95, 35.15),
            (39.75, 35.42),
            (39.55, 35.60),
            (39.20, 35.73),
            (38.90, 35.60),
            (38.60, 35.55),
            (38.30, 35.66),
            (38.05, 35.60),
            (37.80, 35.45),
            (37.55, 35.22),
            (37.30, 35.12),
            (37.00, 35.12),
        ],
    ),
    (
        "SY_IS_KHABUR",
        "SY",
        held(IS_),  # the lower Khabur valley, Markada to Busayrah
        [
            (40.55, 36.15),
            (40.95, 36.10),
            (40.85, 35.80),
            (40.75, 35.55),
            (40.62, 35.30),
            (40.55, 35.20),
            (40.40, 35.30),
            (40.55, 35.55),
            (40.62, 35.80),
        ],
    ),
    (
        "SY_IS_SUKHNAH",
        "SY",
        held(IS_),  # east Homs desert around Palmyra and T4, the road to Sukhnah and Deir ez-Zour
        [
            (37.20, 34.85),
            (37.60, 34.88),
            (37.95, 34.82),
            (38.40, 34.82),
            (38.75, 35.00),
            (39.10, 35.12),
            (39.50, 35.22),
            (39.90, 35.35),
            (40.15, 35.02),
            (39.80, 35.02),
            (39.40, 34.98),
            (39.00, 34.85),
            (38.80, 34.65),
            (38.55, 34.38),
            (38.20, 34.30),
            (37.75, 34.32),
            (37.40, 34.35),
            (37.20, 34.35),
        ],
    ),
    (
        "SY_BISHRI_DESERT",
        "SY",
        held(UN),  # Jabal Bishri and the steppe between the Euphrates and the Palmyra road
        [
            (37.00, 35.45),
            (37.55, 35.50),
            (37.80, 35.62),
            (38.05, 35.72),
            (38.30, 35.80),
            (38.60, 35.74),
            (38.90, 35.82),
            (39.20, 35.80),
            (39.60, 35.65),
            (39.85, 35.42),
            (40.00, 35.20),
            (39.80, 35.20),
            (39.50, 35.15),
            (39.10, 35.05),
            (38.75, 34.92),
            (38.40, 34.75),
            (37.95, 34.75),
            (37.60, 34.80),
            (37.00, 34.80),
        ],
    ),
    (
        "SY_JAZIRA_STEPPE",
        "SY",
        held(UN),  # steppe between the SDF line, the Euphrates and the Khabur
        [
            (39.30, 36.45),
            (40.10, 36.40),
            (40.60, 36.25),
            (40.70, 35.60),
            (40.55, 35.30),
            (40.00, 35.55),
            (39.40, 35.95),
            (39.30, 36.20),
        ],
    ),
    (
        "SY_HAWL_DESERT",
        "SY",
        held(UN),  # desert east of the Khabur to the Iraqi border
        [
            (40.80, 36.20),
            (41.40, 36.20),
            (41.40, 34.80),
            (40.90, 34.80),
            (40.50, 35.30),
            (40.65, 35.60),
        ],
    ),
    ("SY_REST", "SY", held(UN), SYRIA),  # the Badia south of the Palmyra road: no one's
]

PLACES = [  # name, lon, lat
    ("Mosul", 43.13, 36.34),
    ("Tal Afar", 42.45, 36.37),
    ("Erbil", 44.01, 36.19),
    ("Kirkuk", 44.39, 35.47),
    ("Hawija", 43.88, 35.32),
    ("Tikrit", 43.68, 34.61),
    ("Baghdad", 44.37, 33.31),
    ("Fallujah", 43.78, 33.35),
    ("Ramadi", 43.30, 33.42),
    ("al-Qaim", 41.07, 34.38),
    ("Albu Kamal", 40.92, 34.45),
    ("Deir ez-Zour", 40.14, 35.33),
    ("Deir ez-Zour airport", 40.18, 35.28),
    ("Raqqa", 39.01, 35.95),
    ("Tabqa", 38.55, 35.84),
    ("Hasakah", 40.75, 36.50),
    ("Qamishli", 41.22, 37.05),
    ("Kobani", 38.37, 36.89),
    ("Manbij", 37.95, 36.53),
    ("Jarabulus", 38.01, 36.82),
    ("Dabiq", 37.28, 36.53),
    ("Azaz", 37.05, 36.59),
    ("al-Bab", 37.52, 36.37),
    ("Afrin", 36.87, 36.51),
    ("Aleppo", 37.16, 36.20),
    ("Idlib", 36.63, 35.93),
    ("Latakia", 35.78, 35.52),
    ("Hama", 36.75, 35.13),
    ("Homs", 36.72, 34.73),
    ("Palmyra", 38.27, 34.55),
    ("Damascus", 36.29, 33.51),
    ("Daraa", 36.10, 32.62),
]
# place -> expected holder per date (sanity checks of the story)
EXPECT = {
    "Palmyra": held(SAA, IS_, IS_, IS_),
    "al-Bab": held(IS_),
    "Mosul": held(IS_),
    "Deir ez-Zour": held(SAA),
    "Deir ez-Zour airport": held(SAA),
    "Raqqa": held(IS_),
    "Tabqa": held(IS_),
    "Jarabulus": held(TFSA),
    "Dabiq": held(TFSA),
    "Azaz": held(TFSA),
    "Baghdad": held(IQ),
    "Ramadi": held(IQ),
    "Fallujah": held(IQ),
    "Erbil": held(KRG),
    "Kirkuk": held(KRG),
    "Hawija": held(IS_),
    "Tal Afar": held(IS_),
    "Hasakah": held(SDF),
    "Manbij": held(SDF),
    "Kobani": held(SDF),
    "Afrin": held(SDF),
    "Idlib": held(OPP),
    "Aleppo": held(SAA),
    "Damascus": held(SAA),
    "Homs": held(SAA),
    "Albu Kamal": held(IS_),
    "al-Qaim": held(IS_),
}


# --------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------
def rnd(geom):
    g = shapely.transform(geom, lambda a: np.round(a, ROUND_DIGITS))
    return shapely.remove_repeated_points(g)


def polys(geom):
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    out = []
    for g in getattr(geom, "geoms", []):
        out.extend(polys(g))
    return out


def km2(geom):
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6 if not geom.is_empty else 0.0


def planar_km2(geom):
    """Area of thin slivers in the lon/lat plane (GeoJSON edges are straight there), scaled
    to km² at each part's latitude. Used for gaps/overlaps, where geodesic edges would
    report the bulge between a long edge and the same edge split at a node."""
    return sum(p.area * 111.32 * 110.57 * np.cos(np.radians(p.centroid.y)) for p in polys(geom))


def nverts(geom):
    n = 0
    for p in polys(geom):
        n += len(p.exterior.coords) - 1 + sum(len(r.coords) - 1 for r in p.interiors)
    return n


def geod_gap_km(a, b):
    """Distance between nearest points of a and b: local azimuthal equidistant projection
    centred between them, shapely.shortest_line, then a geodesic on WGS84."""
    ca, cb = a.centroid, b.centroid
    lon0, lat0 = (ca.x + cb.x) / 2, (ca.y + cb.y) / 2
    aeqd = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
    )
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inv = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)

    def project(g):
        return shapely.transform(g, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))

    pa, pb = project(a), project(b)
    (x1, y1), (x2, y2) = shapely.shortest_line(pa, pb).coords
    lon1, lat1 = inv.transform(x1, y1)
    lon2, lat2 = inv.transform(x2, y2)
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0, (lon1, lat1), (lon2, lat2)


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------
def build_cells():
    countries = {"SY": Polygon(SYRIA), "IQ": Polygon(IRAQ)}
    for k, c in countries.items():
        assert c.is_valid, (k, shapely.is_valid_reason(c))
    assert countries["SY"].intersection(countries["IQ"]).area < 1e-12
    ids = [c[0] for c in CELLS]
    assert len(ids) == len(set(ids)), "duplicate cell id"
    rings = []
    for cid, country, holders, ring in CELLS:
        assert country in countries and len(holders) == len(DATES), cid
        assert all(h in FACTION_IDS or h is UN for h in holders), cid
        p = Polygon(ring)
        assert p.is_valid, (cid, shapely.is_valid_reason(p))
        rings.append(
            (cid, country, shapely.prepared.prep(p) if hasattr(shapely, "prepared") else p, p)
        )
    lines = [LineString(list(c.exterior.coords)) for c in countries.values()]
    lines += [LineString(list(r[3].exterior.coords)) for r in rings]
    noded = unary_union(lines)
    faces = list(polygonize(noded))
    prepared = {k: shapely.prepared.prep(v) for k, v in countries.items()}
    buckets = {cid: [] for cid in ids}
    for face in faces:
        rp = face.representative_point()
        inside = [k for k, v in prepared.items() if v.contains(rp)]
        if not inside:
            continue
        assert len(inside) == 1, ("face in two countries", rp)
        country = inside[0]
        for cid, ccountry, prep, _ in rings:
            if ccountry == country and prep.contains(rp):
                buckets[cid].append(face)
                break
        else:
            raise SystemExit(f"unassigned face at {rp.wkt}")
    cells = {}
    for cid in ids:
        if not buckets[cid]:
            raise SystemExit(f"cell {cid} is empty (fully covered by earlier cells)")
        g = rnd(unary_union(buckets[cid]))
        if not g.is_valid:
            raise SystemExit(f"cell {cid} invalid after rounding: {shapely.is_valid_reason(g)}")
        if not isinstance(g, Polygon):
            parts = sorted((round(km2(p), 3), p.representative_point().wkt) for p in polys(g))
            raise SystemExit(f"cell {cid} is not one polygon: {parts}")
        cells[cid] = g
    return countries, cells


def faction_layers(cells):
    holders = {c[0]: c[2] for c in CELLS}
    layers = {}
    for di, date in enumerate(DATES):
        for fid in FACTION_IDS:
            members = [cells[cid] for cid in cells if holders[cid][di] == fid]
            if members:
                layers[(date, fid)] = unary_union(members)
    return layers


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------
def write_text(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def fmt_coords(p: Polygon):
    p = orient(p, 1.0)  # RFC 7946: exterior counter-clockwise, holes clockwise
    rings = [p.exterior] + list(p.interiors)
    return [[[round(x, ROUND_DIGITS), round(y, ROUND_DIGITS)] for x, y in r.coords] for r in rings]


def feature_line(props, geom):
    ps = sorted(polys(geom), key=lambda p: (-p.area, p.bounds))
    if len(ps) == 1:
        g = {"type": "Polygon", "coordinates": fmt_coords(ps[0])}
    else:
        g = {"type": "MultiPolygon", "coordinates": [fmt_coords(p) for p in ps]}
    return json.dumps({"type": "Feature", "properties": props, "geometry": g}, ensure_ascii=False)


def collection_text(lines):
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(lines) + "\n]}\n"


def write_layers(layers):
    written = set()
    for (date, fid), geom in layers.items():
        path = LAYERS / date / f"{fid}.geojson"
        props = {"faction": fid, "illustrative": True, "note": NOTE}
        write_text(path, collection_text([feature_line(props, geom)]))
        written.add(path)
    for date in DATES:  # drop stale faction files from earlier runs
        for p in (LAYERS / date).glob("*.geojson"):
            if p not in written:
                p.unlink()


def write_outline(countries):
    """The hand-drawn Syria and Iraq outlines (the ground every date partitions among the
    factions and the unassigned cells), for --clip or as a --basemap FILE."""
    lines = []
    for name, key in (("Syria", "SY"), ("Iraq", "IQ")):
        props = {"name": name, "illustrative": True, "note": NOTE}
        lines.append(feature_line(props, countries[key]))
    write_text(LAYERS / "_source" / "outline.geojson", collection_text(lines))


def write_places():
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": n},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
            ensure_ascii=False,
        )
        for n, lon, lat in PLACES
    ]
    write_text(LAYERS / "places.geojson", collection_text(lines))


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def write_factions():
    out = [
        "# Factions of the illustrative Syria/Iraq demo (winter 2016/17). "
        "Hand-made; see README.md.",
        "",
    ]
    for fid, name, color, aliases, coalition in FACTIONS:
        out += [
            f"[factions.{fid}]",
            f"name = {toml_str(name)}",
            f"color = {toml_str(color)}",
            "aliases = [" + ", ".join(toml_str(a) for a in aliases) + "]",
            f"coalition = {toml_str(coalition)}",
            "",
        ]
    write_text(LAYERS / "factions.toml", "\n".join(out))


# --------------------------------------------------------------------------------------
# Checks on the files as written (re-read from disk)
# --------------------------------------------------------------------------------------
class CheckError(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise CheckError(msg)


def read_layer(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    need(doc.get("type") == "FeatureCollection" and "crs" not in doc, f"{path}: bad collection")
    geoms = []
    for f in doc["features"]:
        need(list(f) == ["type", "properties", "geometry"], f"{path}: key order")
        pr = f["properties"]
        need(
            pr.get("faction") == path.stem
            and pr.get("illustrative") is True
            and pr.get("note") == NOTE,
            f"{path}: properties",
        )
        need(f["geometry"]["type"] in ("Polygon", "MultiPolygon"), f"{path}: geometry type")
        g = shape(f["geometry"])
        need(g.is_valid, f"{path}: invalid ({shapely.is_valid_reason(g)})")
        geoms.append(g)
    return unary_union(geoms)


def shared_len(a, b):
    return a.boundary.intersection(b.boundary).length


def surrounded_by(part, other, everything, region_boundary, tol=1e-9):
    """True if the whole boundary of `part` is shared with `other` only."""
    ring = part.exterior
    rest = ring.difference(other.boundary.buffer(tol))
    touches_others = [
        k
        for k, g in everything.items()
        if g is not other and not g.contains(part) and shared_len(part, g) > 1e-9
    ]
    return rest.length < 1e-9 and ring.intersection(region_boundary).length < 1e-9, touches_others


def unassigned_ground(cells):
    """Per date, the union of the cells no faction holds (never written to a layer)."""
    holders = {c[0]: c[2] for c in CELLS}
    return {
        d: unary_union([cells[cid] for cid in cells if holders[cid][di] is UN])
        for di, d in enumerate(DATES)
    }


def check_and_report(countries, cells):
    region = unary_union(list(countries.values()))
    unassigned = unassigned_ground(cells)
    layers = {}
    for date in DATES:
        for p in sorted((LAYERS / date).glob("*.geojson")):
            layers[(date, p.stem)] = read_layer(p)
        need(
            sorted(f for d, f in layers if d == date) == sorted(FACTION_IDS),
            f"{date}: missing factions",
        )
    res = {"table": [], "notes": []}
    # partition checks
    for date in DATES:
        day = {f: layers[(date, f)] for f in FACTION_IDS}
        worst = 0.0
        for a, b in combinations(FACTION_IDS, 2):
            ov = planar_km2(day[a].intersection(day[b]))
            worst = max(worst, ov)
            need(ov < 1e-6, f"{date}: {a}/{b} overlap {ov} km2")
        u = unary_union(list(day.values()))
        un = unassigned[date]
        ov = planar_km2(u.intersection(un))
        worst = max(worst, ov)
        need(ov < 1e-6, f"{date}: factions overlap unassigned ground by {ov} km2")
        whole = unary_union([u, un])
        gap = planar_km2(region.difference(whole))
        extra = planar_km2(whole.difference(region))
        need(
            gap < 0.2 and extra < 0.2,
            f"{date}: factions + unassigned differ from region (gap {gap}, extra {extra})",
        )
        need(all(len(p.interiors) == 0 for p in polys(whole)), f"{date}: hole in the region")
        res["table"].append((date, worst, gap, extra))
        res.setdefault("unassigned", {})[date] = (km2(un), len(polys(un)))
    # places
    holders = {}
    for name, lon, lat in PLACES:
        pt = Point(lon, lat)
        holders[name] = tuple(
            next((f for f in FACTION_IDS if layers[(d, f)].contains(pt)), None) for d in DATES
        )
        need(None not in holders[name], f"{name} not inside any layer")
        if name in EXPECT:
            need(
                holders[name] == EXPECT[name],
                f"{name}: held by {holders[name]}, expected {EXPECT[name]}",
            )
    res["holders"] = holders
    # per date / faction stats
    stats = {}
    for (d, f), g in layers.items():
        ps = polys(g)
        small = [p for p in ps if km2(p) < 1.0]
        need(not small, f"{d} {f}: {len(small)} parts < 1 km2")
        thin = [p for p in ps if p.buffer(-0.002).is_empty]
        need(not thin, f"{d} {f}: sliver part(s) at {[p.representative_point().wkt for p in thin]}")
        stats[(d, f)] = (km2(g), len([p for p in ps if km2(p) >= 1.0]), nverts(g))
        need(10 <= stats[(d, f)][2] <= 600, f"{d} {f}: {stats[(d, f)][2]} vertices")
    res["stats"] = stats
    a_is = stats[(DATES[0], IS_)][0]
    need(
        abs(a_is / IS_PUBLISHED_KM2 - 1) <= IS_TOLERANCE,
        f"{DATES[0]}: IS holds {a_is:,.0f} km², not within {IS_TOLERANCE:.0%} of "
        f"{IS_PUBLISHED_KM2:,} km²",
    )
    for f, (lo, hi) in PLAUSIBLE_KM2.items():
        for d in DATES:
            need(lo <= stats[(d, f)][0] <= hi, f"{d} {f}: {stats[(d, f)][0]:,.0f} km²")
    # Deir ez-Zour enclave, SAA main body
    city, airport = Point(40.14, 35.33), Point(40.18, 35.28)
    dz = {}
    for d in DATES:
        day = {f: layers[(d, f)] for f in FACTION_IDS}
        saa = polys(day[SAA])
        main = max(saa, key=km2)
        need(
            main.contains(Point(36.29, 33.51))
            and main.contains(Point(37.16, 36.20))
            and main.contains(Point(36.72, 34.73))
            and main.contains(Point(35.78, 35.52)),
            f"{d}: SAA main body does not hold Damascus/Aleppo/Homs/Latakia",
        )
        parts = [
            p
            for p in saa
            if p.distance(city) < 0.2
            and (p.contains(city) or p.contains(airport) or p.distance(city) < 0.1)
        ]
        rows = []
        for p in sorted(parts, key=lambda p: -p.centroid.y):
            ok, others = surrounded_by(p, day[IS_], day, region.boundary)
            need(ok and not others, f"{d}: Deir ez-Zour part not fully surrounded by IS ({others})")
            gap_km, pa, pb = geod_gap_km(p, main)
            need(gap_km > 250, f"{d}: enclave only {gap_km:.1f} km from SAA main body")
            rows.append(
                (
                    ("city" if p.contains(city) else "")
                    + ("+" if p.contains(city) and p.contains(airport) else "")
                    + ("airport" if p.contains(airport) else ""),
                    km2(p),
                    gap_km,
                    pa,
                    pb,
                )
            )
        if d != DATES[-1]:
            need(
                len(rows) == 1 and rows[0][0] == "city+airport",
                f"{d}: enclave should be one part: {rows}",
            )
        else:
            need(
                len(rows) == 2
                and {r[0] for r in rows} == {"city", "airport"}
                and all(r[1] > 1 for r in rows),
                f"{d}: enclave should be two parts: {rows}",
            )
        others = [p for p in saa if p is not main and p not in parts]
        # the nearest government position outside the enclave (main body or another part)
        nearest = min(geod_gap_km(p, o)[0] for p in parts for o in [main, *others])
        if d != DATES[0]:
            need(nearest > 250, f"{d}: enclave only {nearest:.1f} km from another SAA part")
        dz[d] = (rows, km2(main), [(km2(p), p.representative_point()) for p in others], nearest)
    res["dz"] = dz
    # East Aleppo, Ghouta, Rastan: OPP pockets fully surrounded by SAA
    pockets = {}
    for d in DATES:
        day = {f: layers[(d, f)] for f in FACTION_IDS}
        rows = []
        for p in polys(day[OPP]):
            ok, others = surrounded_by(p, day[SAA], day, region.boundary)
            if ok and not others:
                c = p.representative_point()
                label = (
                    "east Aleppo"
                    if abs(c.x - 37.17) < 0.1 and abs(c.y - 36.19) < 0.1
                    else "eastern Ghouta"
                    if abs(c.x - 36.47) < 0.2 and abs(c.y - 33.54) < 0.2
                    else "Rastan/Talbiseh"
                    if abs(c.x - 36.75) < 0.2 and abs(c.y - 34.92) < 0.2
                    else "other"
                )
                rows.append((label, km2(p)))
        pockets[d] = sorted(rows)
    need(
        [name for name, _ in pockets[DATES[0]]].count("east Aleppo") == 1,
        "east Aleppo pocket missing on 12-01",
    )
    need(
        [name for name, _ in pockets[DATES[1]]].count("east Aleppo") == 1,
        "east Aleppo pocket missing on 12-11",
    )
    need(
        all(name != "east Aleppo" for d in DATES[2:] for name, _ in pockets[d]),
        "east Aleppo pocket still there",
    )
    ea = [dict(pockets[d]).get("east Aleppo", 0) for d in DATES]
    need(ea[0] > ea[1] > 0, "east Aleppo pocket should shrink")
    res["pockets"] = pockets
    # changes between consecutive dates
    changes = {}
    for d1, d2 in zip(DATES[:-1], DATES[1:], strict=True):
        rows = []
        for a in FACTION_IDS:
            for b in FACTION_IDS:
                if a != b:
                    inter = layers[(d1, a)].intersection(layers[(d2, b)])
                    ar = sum(km2(p) for p in polys(inter))
                    if ar > 0.01:
                        rows.append((a, b, ar))
        changes[(d1, d2)] = rows
    res["changes"] = changes
    mosul_box = shapely.box(42.5, 35.9, 43.8, 36.8)
    dz_box = shapely.box(39.9, 35.1, 40.4, 35.5)
    d1, d2 = DATES[2], DATES[3]
    res["mosul_is_to_iq"] = km2(
        layers[(d1, IS_)].intersection(layers[(d2, IQ)]).intersection(mosul_box)
    )
    res["dz_saa_to_is"] = km2(
        layers[(d1, SAA)].intersection(layers[(d2, IS_)]).intersection(dz_box)
    )
    need(res["mosul_is_to_iq"] > 10, "no IS->IQ change near Mosul")
    need(res["dz_saa_to_is"] > 1, "no SAA->IS change at Deir ez-Zour")
    # east Mosul on 01-16: everything east of the Tigris inside the city box is IQ
    east_mosul = shapely.box(43.165, 36.32, 43.18, 36.375)
    need(layers[(DATES[3], IQ)].contains(east_mosul), "east Mosul not IQ on 2017-01-16")
    need(layers[(DATES[2], IS_)].contains(east_mosul), "east Mosul not IS on 2017-01-09")
    return res


def fmt_int(x):
    return f"{x:,.0f}"


def report_text(res):
    L = []
    L.append("| date | faction | area km² | parts | vertices |")
    L.append("|---|---|---:|---:|---:|")
    for d in DATES:
        for f in FACTION_IDS:
            a, n, v = res["stats"][(d, f)]
            L.append(f"| {d} | {f} | {fmt_int(a)} | {n} | {v} |")
        a, n = res["unassigned"][d]
        L.append(f"| {d} | unassigned | {fmt_int(a)} | {n} | |")
    table = "\n".join(L)
    dzl = []
    for d in DATES:
        rows, main_a, others, nearest = res["dz"][d]
        for label, a, gap_km, _pa, _pb in rows:
            dzl.append(f"| {d} | {label} | {a:.1f} | {gap_km:.1f} | {nearest:.1f} |")
    dz_table = (
        "| date | SAA part | area km² | gap to SAA main body, km | nearest other, km |\n"
        "|---|---|---:|---:|---:|\n" + "\n".join(dzl)
    )
    ch = []
    for (d1, d2), rows in res["changes"].items():
        items = ", ".join(
            f"{a}→{b} {fmt_int(ar) if ar >= 10 else f'{ar:.1f}'}"
            for a, b, ar in sorted(rows, key=lambda r: -r[2])
        )
        ch.append(f"* {d1} → {d2}: {items} km²")
    return table, dz_table, "\n".join(ch)


def print_report(res):
    print("partition: date, max pairwise overlap km², gap vs outline km², extra vs outline km²")
    for d, worst, gap, extra in res["table"]:
        print(f"  {d}  overlap {worst:.2e}  gap {gap:.4f}  extra {extra:.4f}")
    print("\narea / parts / vertices")
    print("  date        " + "".join(f"{f:>22}" for f in FACTION_IDS))
    for d in DATES:
        print(
            "  "
            + d
            + "  "
            + "".join(
                "{:>12,.0f} {:>3} {:>5}".format(*res["stats"][(d, f)][:3])
                for f in FACTION_IDS
            )
        )
    print("\nDeir ez-Zour enclave (SAA parts near the city), gap to the SAA main body")
    for d in DATES:
        rows, main_a, others, nearest = res["dz"][d]
        for label, a, gap_km, pa, pb in rows:
            print(
                f"  {d}  {label:13s} {a:7.1f} km²  gap {gap_km:6.1f} km  "
                f"({pa[0]:.3f},{pa[1]:.3f}) -> ({pb[0]:.3f},{pb[1]:.3f})"
            )
        print(
            f"  {d}  SAA main body {main_a:,.0f} km²; other SAA parts: "
            + (", ".join(f"{a:,.0f} km² at ({p.x:.2f},{p.y:.2f})" for a, p in others) or "none")
            + f"; nearest other SAA position {nearest:.1f} km"
        )
    print("\nOPP pockets fully surrounded by SAA")
    for d in DATES:
        print(f"  {d}  " + ", ".join(f"{name} {a:.1f} km²" for name, a in res["pockets"][d]))
    print("\nchanges between dates (km²)")
    for (d1, d2), rows in res["changes"].items():
        print(
            f"  {d1} -> {d2}: "
            + ", ".join(f"{a}->{b} {ar:,.1f}" for a, b, ar in sorted(rows, key=lambda r: -r[2]))
        )
    print(f"\nIS->IQ near Mosul 2017-01-09 -> 2017-01-16: {res['mosul_is_to_iq']:.1f} km²")
    print(f"SAA->IS at Deir ez-Zour 2017-01-09 -> 2017-01-16: {res['dz_saa_to_is']:.1f} km²")
    print("\nplaces (holder per date)")
    for n, h in res["holders"].items():
        print(f"  {n:22s} " + " ".join(f"{x:5s}" for x in h))


README_TEMPLATE = """# frontmap demo layers: Syria / Iraq, winter 2016/17 (illustrative)

**This is an illustrative demo, drawn by hand for frontmap from public reporting. It is not
survey data.** Every coordinate was typed by hand from general geographic knowledge (see
`_source/make_demo.py`); none was copied or derived from any dataset. The lines are rough
(kilometres to tens of kilometres off) and some places are deliberately simplified (see
"Simplifications" below). Do not use these files to report where a front line was. The
areas were shaped to published estimates (see "Published figures it was shaped to"); they
are of the right order, not measurements.

## Layout

```
layers/
  factions.toml                 faction ids, names, colours, aliases, coalitions
  places.geojson                reference points (property `name`)
  <YYYY-MM-DD>/<FACTION>.geojson  one FeatureCollection per faction per date
  _source/make_demo.py          generator (stdlib + shapely 2 + pyproj)
  _source/outline.geojson       the hand-drawn Syria and Iraq outlines (for --clip or --basemap)
```

Dates: {dates}. Factions: {factions}.
Each layer is a FeatureCollection of one Polygon/MultiPolygon feature in lon/lat (WGS84,
no `crs` member) with the properties `faction`, `illustrative: true` and `note`.
On every date the layers and the *unassigned* ground (desert no faction holds, which no layer
covers) are a planar partition of one hand-drawn Syria + Iraq outline (`_source/outline.geojson`,
ignored by frontmap's discovery because of the leading `_`): neighbours share their borders
exactly and nothing overlaps. Without `--clip`, frontmap's area of interest is the union of the
layers, so the unassigned desert is simply left out (the maps show it as background); with
`--clip layers/_source/outline.geojson` it is inside the area of interest and drawn and
counted as "Claimed by no faction" ({un_first} km² on {first}).

Regenerate (deterministic, byte-identical output; also re-runs all checks below):

```
python layers/_source/make_demo.py
```

## Published figures it was shaped to

| faction | published figure | demo, {first} → {last} |
|---|---|---:|
| IS | IHS Markit Conflict Monitor, 18 Jan 2017: 78,000 km² (early Jan 2016) → **60,400 km²** (end of 2016); 2015: 90,800 → 78,000 km²; 65,500 km² on 3 Oct 2016 | {is_range} |
| SAA | IHS, 22 Dec 2015: about 30,000 km² (16% of Syria's 185,180 km²); SOHR: about 36,000 km² (19.3%) in early May 2017 | {saa_range} |
| SDF | IHS, 22 Dec 2015: Syrian Kurds 15,800 km²; SOHR: about 41,000 km² (22.1%) in early May 2017 | {sdf_range} |
| KRG | Kurdistan Region about 41,000 km² before 2014 plus 23,000–30,000 km² of disputed ground taken since 2014 (Anadolu Agency, March 2016; AFP, October 2017) | {krg_range} |
| IQ | no published figure: the rest of Iraq (about 438,000 km²), the western Anbar desert included | {iq_range} |

The generator checks that IS holds within {tol:.0%} of 60,400 km² on {first} (it holds
{is_first} km², {is_pct:+.1%}) and that SAA, SDF, KRG and IQ stay within broad bands around the
figures above on every date (KRG is drawn somewhat below the 64,000–71,000 km² its figures
add up to). The published figures were made in different ways: the Syrian Observatory for
Human Rights (SOHR) shares ground out until its shares add up to all of Syria (its IS figure
for Syria alone was about 72,300 km² in early May 2017), far more than IHS Markit's 60,400 km²
for all of IS's ground in Syria and Iraq. The demo follows IHS's total, which leaves room for
desert that no one holds: IS holds the towns, the Euphrates and Khabur valleys, Mosul, Hawija
and the roads between them, and the open desert around them is unassigned. The hand-drawn
outlines measure {sy_km2} km² (Syria) and {iq_km2} km² (Iraq). The opposition's areas (OPP,
TFSA) are illustrative, not shaped to a figure.

## The story it encodes

* **Palmyra**: held by the government (SAA) on 2016-12-01; IS retook it on 11 Dec 2016, so from
  2016-12-11 on the Palmyra cell and the road west of it are IS.
* **East Aleppo**: an opposition (OPP) pocket encircled by SAA on 2016-12-01
  ({ea0:.0f} km²), smaller on 2016-12-11 ({ea1:.0f} km²), gone from 2017-01-09 (it fell on 22 Dec 2016).
* **al-Bab**: IS throughout; the Turkish-backed Euphrates Shield rebels (TFSA: Azaz, Dabiq,
  al-Rai, Jarabulus) close in from the north and west on every step.
* **Raqqa**: the SDF (Wrath of Euphrates) push south toward Raqqa and west to the north shore of
  Lake Assad; Raqqa and Tabqa stay IS.
* **Mosul**: IS holds Mosul on both banks of the Tigris on 2017-01-09 with Iraqi forces just inside
  the eastern edge; by 2017-01-16 Iraqi forces hold east Mosul
  (IS→IQ near Mosul between those dates: **{mosul:.1f} km²**). On earlier dates IS also holds
  ground north-east of the city (Nineveh plains edge, Tel Kaif).
* **Deir ez-Zour**: the government enclave (city and airport) is encircled by IS on every date,
  inside IS's band along the Euphrates. On 2017-01-16 IS has cut a corridor between the city
  and the airport, splitting it in two (SAA→IS there between 2017-01-09 and 2017-01-16:
  **{dz:.1f} km²**). From 2016-12-11 on, the enclave is more than 250 km from any other
  government position.
* **Where IS held ground**: the Euphrates from al-Bab's hinterland, Maskanah and Tabqa through
  Raqqa and Deir ez-Zour to Albu Kamal, al-Qaim, Rawa and Anah; the lower Khabur; the road from
  Palmyra through Sukhnah to Deir ez-Zour; Mosul and Tal Afar; Baaj and Hatra; Hawija; the
  Yarmouk basin. Unassigned: Jabal Bishri and the steppe between the Euphrates and the Palmyra
  road, the Badia south of that road, the steppe between the SDF line, the Euphrates and the
  Khabur, the desert east of the Khabur, and the Jazira desert in Iraq between Baaj, Hatra and
  the Euphrates.
* Other pockets: IS around Hawija, the Mosul–Tal Afar pocket (cut off by Iraqi/PMF forces) and
  Baaj–Hatra, the IS-affiliated Yarmouk basin pocket; opposition pockets in eastern Ghouta and
  Rastan encircled by SAA; SDF Afrin/Tal Rifaat separate from the north-east.

### Numbers measured by the generator's checks

Checks run on the files as written and re-read: every layer is valid; on every date the
pairwise overlap between factions, and between any faction and the unassigned ground, is
{overlap} km²; the layers and the unassigned ground together have no holes and match the
hand-drawn Syria + Iraq outline to within {gap:.2f} km² (sub-metre slivers along the outer
border from rounding coordinates to 5 decimals); no part is smaller than 1 km²; named places
are held by the expected faction (e.g. Palmyra SAA then IS, al-Bab and Mosul IS, Azaz, Dabiq and
Jarabulus TFSA, Baghdad, Ramadi and Fallujah IQ).

Areas are geodesic on WGS84 (`pyproj.Geod(ellps="WGS84").geometry_area_perimeter`); "parts" counts
polygons of at least 1 km² (there are no smaller ones); vertices count ring vertices without
the closing repeat. "unassigned" is the ground inside the outline that no layer covers.

{table}

Deir ez-Zour enclave (each part shares its whole border with IS only). Gap = distance between
the nearest points of the part and the SAA main body (largest SAA polygon: Damascus, Homs, Hama,
Aleppo, Latakia), found in a local azimuthal-equidistant projection and measured as a WGS84
geodesic; "nearest other" is the same distance to the nearest SAA ground outside the enclave
(the main body or another pocket):

{dz_table}

Change between consecutive dates (area held by the first faction on the earlier date and by the
second on the later date):

{changes}

## Simplifications (read before using in a story)

* The demo keeps the Deir ez-Zour enclave more than 250 km from the SAA main body on every date.
  Real government positions were closer (Palmyra ~186 km before 11 Dec; the T4 airbase, Kuweires
  airbase and the Khanasser road roughly 240–250 km). So the main body's eastern edge is drawn
  west of all of them, and **on 2016-12-01 Palmyra and the road to T4 form a separate SAA
  island** ({palmyra_gap:.0f} km from the enclave), cut off from Homs by a thin IS strip. In
  reality they were connected by road. From 2016-12-11 the T4 area is drawn as IS, although the
  government held the T4 airbase.
* Thin control is drawn as bands tens of kilometres wide along the valleys and roads, and the
  desert between them as unassigned; in reality IS patrolled much of that desert and its
  edges were vague. The Iraqi government's ground (IQ) includes the whole western Anbar desert
  to Rutba and the Jordanian and Saudi borders, and the opposition's al-Tanf desert (OPP) is
  drawn as held, although both were as empty as the unassigned Syrian desert.
* Iraqi government forces (IQ) include the Popular Mobilization Forces; small government-held
  areas in Hasakah/Qamishli, Fuah/Kafraya and Wadi Barada are left out.
* Dates mark the illustrative snapshots, not exact days of the changes.
"""


def area_range(res, f):
    a = [res["stats"][(d, f)][0] for d in DATES]
    return f"{fmt_int(a[0])} → {fmt_int(a[-1])} km²"


def write_readme(res, countries):
    table, dz_table, changes = report_text(res)
    ea = [dict(res["pockets"][d]).get("east Aleppo", 0.0) for d in DATES]
    a_is = res["stats"][(DATES[0], IS_)][0]
    text = README_TEMPLATE.format(
        dates=", ".join(DATES),
        factions=", ".join(f"`{f}`" for f in FACTION_IDS),
        first=DATES[0],
        last=DATES[-1],
        un_first=fmt_int(res["unassigned"][DATES[0]][0]),
        is_range=area_range(res, IS_),
        saa_range=area_range(res, SAA),
        sdf_range=area_range(res, SDF),
        krg_range=area_range(res, KRG),
        iq_range=area_range(res, IQ),
        tol=IS_TOLERANCE,
        is_first=fmt_int(a_is),
        is_pct=a_is / IS_PUBLISHED_KM2 - 1,
        sy_km2=fmt_int(km2(countries["SY"])),
        iq_km2=fmt_int(km2(countries["IQ"])),
        ea0=ea[0],
        ea1=ea[1],
        mosul=res["mosul_is_to_iq"],
        dz=res["dz_saa_to_is"],
        palmyra_gap=res["dz"][DATES[0]][3],
        table=table,
        dz_table=dz_table,
        changes=changes,
        overlap="0"
        if max(r[1] for r in res["table"]) == 0
        else f"< {max(r[1] for r in res['table']):.1e}",
        gap=max(max(r[2], r[3]) for r in res["table"]),
    )
    write_text(LAYERS / "README.md", text)


def main(argv):
    countries, cells = build_cells()
    write_layers(faction_layers(cells))
    write_places()
    write_outline(countries)
    write_factions()
    try:
        res = check_and_report(countries, cells)
    except CheckError as e:
        print(f"CHECK FAILED: {e}", file=sys.stderr)
        return 1
    print_report(res)
    write_readme(res, countries)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
