"""The build's index page: every map with its dates, title and headline numbers."""

from __future__ import annotations

import html
from pathlib import PurePosixPath

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
td,th{padding:4px 12px 4px 0;text-align:left}h2.section{font-size:20px;margin:32px 0 10px}
.failed{color:#b00020}
"""


def render_index(manifest: Manifest, entries: list[Entry], state: dict) -> str:
    """The index page: every map with its dates, title and headline numbers."""
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
        out.append(f'<li class="map"><h2><a href="{href}">{esc(heading)}</a></h2>')
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
        out.append(f'<p class="files">{"".join(links)}</p></li>')
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
    out.append("</main></body></html>\n")
    return "\n".join(out)
