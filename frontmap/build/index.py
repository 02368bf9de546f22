"""The build's index page: every map with its dates, title and headline numbers."""

from __future__ import annotations

import html
from pathlib import PurePosixPath

from ..render.page import json_for_script
from ..render.provenance import data_line
from .manifest import Manifest
from .plan import Entry, relative

__all__ = ["render_index"]

_INDEX_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;
background:#fafafa}main{max-width:960px;margin:0 auto;padding:32px 20px}h1{font-size:28px;
margin:0 0 4px}p.sub{color:#555;margin:0 0 28px}ol{list-style:none;padding:0;margin:0}
li.map{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:16px 20px;
margin:0 0 14px}li.map h2{font-size:19px;margin:0 0 2px}li.map h2 a{color:#0b57d0;
text-decoration:none}li.map h2 a:hover{text-decoration:underline}.dates{color:#666;font-size:14px}
.summary{margin:8px 0 0}.moves{font-size:14px;color:#333;margin:6px 0 0}.files{font-size:14px;
margin:6px 0 0}.files a{margin-right:12px}table{border-collapse:collapse;font-size:15px}
.data{font-size:13px;color:#666;margin:6px 0 0;overflow-wrap:anywhere}
td,th{padding:4px 12px 4px 0;text-align:left}h2.section{font-size:20px;margin:32px 0 10px}
.failed{color:#b00020}li.map{display:flex;gap:18px;align-items:flex-start}li.map .text{flex:1;
min-width:0}img.thumb{flex:none;width:180px;height:auto;border:1px solid #d8d8d8;border-radius:4px;
background:#dfe5e8}figure.chart{margin:0 0 14px;background:#fff;border:1px solid #e3e3e3;
border-radius:8px;padding:12px}figure.chart img{display:block;width:100%;height:auto}
figure.chart figcaption{font-size:14px;color:#555;margin-top:6px}
@media (max-width:600px){li.map{flex-direction:column}img.thumb{width:100%}}
"""


def render_index(manifest: Manifest, entries: list[Entry], state: dict) -> str:
    """The index page: every map with its dates, title and headline numbers, what it
    was made from ("Data:"), and the provenance of every map as JSON
    (``<script type="application/json" id="frontmap-provenance">``: map id ->
    record, see :mod:`frontmap.render.provenance`)."""
    esc = html.escape
    title = manifest.title
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{_INDEX_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
        '<p class="sub">Built by frontmap from '
        f"{esc(relative(manifest.root, manifest.resolve(manifest.defaults['layers'])))}. "
        "Areas are geodesic km² on WGS84.</p>",
    ]
    maps = [e for e in entries if e.kind == "map"]
    tables = [e for e in entries if e.kind == "table"]
    out += _charts(entries, state)
    if maps:
        out.append('<h2 class="section">Maps</h2><ol>')
    for e in maps:
        rec = state.get(e.id)
        if rec is None:
            reason = e.error or "not built"
            out.append(
                f'<li class="map"><h2>{esc(e.id)}</h2>'
                f'<p class="failed">Not built: {esc(reason)}</p></li>'
            )
            continue
        h = rec.get("headline", {})
        href = esc(PurePosixPath(e.id).as_posix() + ".html", quote=True)
        heading = h.get("title") or f"{h.get('from')} → {h.get('to')}"
        out.append('<li class="map">')
        if h.get("thumbnail"):
            src = esc(PurePosixPath(e.id).as_posix() + ".thumb.png", quote=True)
            out.append(
                f'<a href="{href}" tabindex="-1"><img class="thumb" src="{src}" alt="" '
                'loading="lazy"></a>'
            )
        out.append(f'<div class="text"><h2><a href="{href}">{esc(heading)}</a></h2>')
        view = " · swipe view" if h.get("mode") == "swipe" else ""
        out.append(
            f'<div class="dates">{esc(str(h.get("from")))} → {esc(str(h.get("to")))}{view}</div>'
        )
        if h.get("summary"):
            out.append(f'<p class="summary">{esc(h["summary"])}</p>')
        moves = h.get("moves") or []
        if moves:
            text = "; ".join(f"{m['from']} → {m['to']}: {m['area_km2']:,.1f} km²" for m in moves)
            out.append(f'<p class="moves">Largest transfers: {esc(text)}</p>')
        links = [f'<a href="{href}">page</a>']
        base = PurePosixPath(e.id).as_posix()
        if h.get("png"):
            links.append(f'<a href="{esc(base + ".png", quote=True)}">PNG</a>')
        links.append(f'<a href="{esc(base + ".diff.json", quote=True)}">diff JSON</a>')
        links.append(f'<a href="{esc(base + ".diff.csv", quote=True)}">diff CSV</a>')
        out.append(f'<p class="files">{"".join(links)}</p>')
        if h.get("provenance"):
            out.append(f'<p class="data">{esc(data_line(h["provenance"]))}.</p>')
        out.append("</div></li>")
    if maps:
        out.append("</ol>")
    if tables:
        out.append(
            '<h2 class="section">Tables</h2><table><tr><th>table</th><th>kind</th>'
            "<th>file</th></tr>"
        )
        for e in tables:
            rec = state.get(e.id)
            if rec is None or not e.outputs:
                out.append(
                    f"<tr><td>{esc(e.id)}</td><td colspan=2 class=failed>"
                    f"not built: {esc(e.error or 'failed')}</td></tr>"
                )
                continue
            f = e.outputs[0]
            out.append(
                f"<tr><td>{esc(e.id)}</td><td>{esc(e.spec.get('kind', ''))}</td>"
                f'<td><a href="{esc(f, quote=True)}">{esc(f)}</a></td></tr>'
            )
        out.append("</table>")
    records = {  # keys sorted as the state file has them: a fresh build and a no-op agree
        e.id: _sorted(state[e.id]["headline"]["provenance"])
        for e in maps
        if e.id in state and state[e.id].get("headline", {}).get("provenance")
    }
    if records:
        out.append(
            '<script type="application/json" id="frontmap-provenance">'
            f"{json_for_script(records)}</script>"
        )
    out.append("</main></body></html>\n")
    return "\n".join(out)


def _sorted(value):
    """``value`` with every dict's keys in sorted order (as ``json.dumps(sort_keys=True)``)."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _charts(entries: list[Entry], state: dict) -> list[str]:
    """The area charts (as images) and the animations (as links), before the maps."""
    esc = html.escape
    out: list[str] = []
    charts = [e for e in entries if e.kind == "chart"]
    anims = [e for e in entries if e.kind == "animation"]
    if charts:
        out.append('<h2 class="section">Area over time</h2>')
    for e in charts:
        rec = state.get(e.id)
        if rec is None or not e.outputs:
            out.append(f'<p class="failed">{esc(e.id)}: not built: {esc(e.error or "failed")}</p>')
            continue
        h = rec.get("headline", {})
        shown = next((o for o in e.outputs if o.endswith((".svg", ".png"))), None)
        links = " ".join(
            f'<a href="{esc(o, quote=True)}">{esc(o.rsplit(".", 1)[1].upper())}</a>'
            for o in e.outputs
        )
        cap = f"{esc(h.get('title') or e.id)} · {h.get('dates', '?')} dates · {links}"
        img = (
            f'<img src="{esc(shown, quote=True)}" alt="{esc(h.get("title") or e.id, quote=True)}">'
            if shown
            else ""
        )
        out.append(f'<figure class="chart">{img}<figcaption>{cap}</figcaption></figure>')
    if anims:
        out.append('<h2 class="section">Animations</h2><ul>')
        for e in anims:
            rec = state.get(e.id)
            if rec is None or not e.outputs:
                out.append(
                    f'<li class="failed">{esc(e.id)}: not built: {esc(e.error or "failed")}</li>'
                )
                continue
            h = rec.get("headline", {})
            links = " · ".join(
                f'<a href="{esc(o, quote=True)}">{esc(o.rsplit(".", 1)[1].upper())}</a>'
                for o in e.outputs
            )
            out.append(f"<li>{esc(h.get('title') or e.id)}: {links}</li>")
        out.append("</ul>")
    return out
