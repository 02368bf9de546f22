/* frontmap "tale of two maps" page: two synchronised Leaflet maps (or one map with a
 * swipe divider), and under them a synchronised before/after pair for each close-up.
 * Every string from the data is set with textContent or setAttribute, never parsed as
 * HTML. The data is the JSON in #fm-data. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("fm-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var holders = data.holders;

  // -- small DOM helpers ------------------------------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  // -- hatch patterns -----------------------------------------------------------
  // fm-hatch-i: ground that changed hands (TO map), contested ground: stripes of the
  // holder's colour on a tint of it; fm-soon-i: ground about to change hands (FROM map):
  // thin stripes of the new holder's colour the other way, over the old holder's fill

  function tint(hex, share) {
    var n = parseInt(hex.slice(1), 16);
    var c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(function (v) {
      return Math.round(v + (255 - v) * share);
    });
    return "rgb(" + c.join(",") + ")";
  }

  function addPatterns() {
    var svg = svgEl("svg", {width: "0", height: "0", "aria-hidden": "true", focusable: "false"});
    svg.style.position = "absolute";
    var defs = svgEl("defs", {});
    holders.forEach(function (h, i) {
      var p = svgEl("pattern", {
        id: "fm-hatch-" + i, patternUnits: "userSpaceOnUse", width: "7", height: "7",
        patternTransform: "rotate(45)"
      });
      p.appendChild(svgEl("rect", {width: "7", height: "7", fill: tint(h.color, 0.72)}));
      p.appendChild(svgEl("rect", {width: "3.2", height: "7", fill: h.color}));
      defs.appendChild(p);
      var q = svgEl("pattern", {
        id: "fm-soon-" + i, patternUnits: "userSpaceOnUse", width: "6", height: "6",
        patternTransform: "rotate(-45)"
      });
      q.appendChild(svgEl("rect", {width: "6", height: "6", fill: "#ffffff",
        "fill-opacity": "0.35"}));
      q.appendChild(svgEl("rect", {width: "1.8", height: "6", fill: h.color}));
      defs.appendChild(q);
    });
    svg.appendChild(defs);
    document.body.appendChild(svg);
  }

  // -- styles -------------------------------------------------------------------

  var tiles = !!data.tiles;

  function holderStyle(i) {
    var h = holders[i];
    if (h.kind === "contested") {
      return {fillColor: "url(#fm-hatch-" + i + ")", fillOpacity: 1, color: "#ffffff",
        weight: 0.6, opacity: 0.9};
    }
    if (h.kind === "unassigned") {
      return {fillColor: h.color, fillOpacity: tiles ? 0.35 : 1, color: "#b9b9b9", weight: 0.6,
        opacity: 1};
    }
    return {fillColor: h.color, fillOpacity: tiles ? 0.62 : 0.9, color: "#ffffff", weight: 0.7,
      opacity: 0.85};
  }

  function tag(layer, attrs) {
    layer.eachLayer(function (l) {
      var e = l.getElement && l.getElement();
      if (!e) return;
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    });
  }

  // -- drawing one date -----------------------------------------------------------

  function drawDate(map, src, which, opts) {
    var base = {renderer: opts.renderer, pane: opts.pane};
    if (src.basemap) {
      var b = L.geoJSON(src.basemap, Object.assign({}, base, {
        interactive: false,
        style: {fillColor: "#f3f1ec", fillOpacity: 1, color: "#9aa3a8", weight: 0.8}
      })).addTo(map);
      tag(b, {"data-kind": "basemap", "data-date": which});
    }
    src[which].forEach(function (f) {
      var h = holders[f.h];
      var style = Object.assign(holderStyle(f.h), {className: "fm-shape fm-" + h.kind});
      var layer = L.geoJSON(f.g, Object.assign({}, base, {style: style})).addTo(map);
      layer.bindTooltip(el("span", null, h.name), {sticky: true, className: "fm-hover"});
      tag(layer, {"data-kind": h.kind, "data-holder": h.id, "data-date": which});
    });
    if (src.fronts[which]) {
      var fr = L.geoJSON(src.fronts[which], Object.assign({}, base, {
        interactive: false,
        style: {color: "#111111", weight: 1.6, opacity: 0.85, lineJoin: "round", fill: false}
      })).addTo(map);
      tag(fr, {"data-kind": "front", "data-date": which});
    }
  }

  // TO: changed ground hatched in the new holder's colour, rings, events (dashed), labels
  function drawChanges(map, src, opts) {
    var base = {renderer: opts.renderer, pane: opts.pane};
    src.changed.forEach(function (c) {
      var layer = L.geoJSON(c.g, Object.assign({}, base, {
        style: {fillColor: "url(#fm-hatch-" + c.to + ")", fillOpacity: 1,
          color: holders[c.to].color, weight: 1.6, opacity: 1}
      })).addTo(map);
      layer.bindTooltip(el("span", null, c.text), {sticky: true, className: "fm-hover"});
      tag(layer, {"data-kind": "changed", "data-holder": holders[c.to].id, "data-date": "to",
        "data-from": holders[c.from].id});
    });
    src.changed.forEach(function (c) {
      c.spots.forEach(function (sp) { addRing(map, sp, holders[c.to].color, opts); });
    });
    var labels = [];
    src.events.forEach(function (ev) {
      var layer = L.geoJSON(ev.g, Object.assign({}, base, {
        interactive: false,
        style: {fill: false, color: "#111111", weight: 2, opacity: 1, dashArray: "5 4"}
      })).addTo(map);
      tag(layer, {"data-kind": "event", "data-event": ev.type, "data-date": "to"});
      if (!ev.label) return;
      var at = [ev.at[1], ev.at[0]];
      var tip = L.tooltip({permanent: true, direction: "top", offset: [0, -4],
        className: "fm-event-label", pane: opts.labelPane, interactive: false})
        .setLatLng(at).setContent(el("span", null, ev.label)).addTo(map);
      labels.push({tip: tip, ways: eventWays(layer, at), event: true,
        holder: ev.h === null || ev.h === undefined ? null : holders[ev.h].id});
    });
    return labels;
  }

  // where an event's label may go, best first: beside the outline (above, below, right,
  // left of it, then above or below a corner: the label then covers neither the pocket nor
  // the corridor it names), then beside its anchor inside the outline
  function eventWays(layer, at) {
    var ways = [];
    var b = layer.getBounds();
    if (b.isValid()) {
      var mid = b.getCenter(), n = b.getNorth(), s = b.getSouth(), w = b.getWest(),
        e = b.getEast();
      ways.push(["top", [0, -4], [n, mid.lng]], ["bottom", [0, 4], [s, mid.lng]],
        ["right", [6, 0], [mid.lat, e]], ["left", [-6, 0], [mid.lat, w]],
        ["top", [0, -4], [n, w]], ["top", [0, -4], [n, e]], ["bottom", [0, 4], [s, w]],
        ["bottom", [0, 4], [s, e]]);
    }
    return ways.concat([["top", [0, -4], at], ["bottom", [0, 4], at], ["right", [6, 0], at],
      ["left", [-6, 0], at]]);
  }

  // FROM: the ground about to change hands, lightly hatched in its new holder's colour
  // (not outlined: dashed outlines are the events'), with the same rings
  function drawSoon(map, src, opts) {
    var base = {renderer: opts.renderer, pane: opts.pane};
    src.changed.forEach(function (c) {
      var layer = L.geoJSON(c.g, Object.assign({}, base, {
        style: {fillColor: "url(#fm-soon-" + c.to + ")", fillOpacity: 1, stroke: false}
      })).addTo(map);
      layer.bindTooltip(el("span", null, c.text), {sticky: true, className: "fm-hover"});
      tag(layer, {"data-kind": "soon", "data-holder": holders[c.to].id, "data-date": "from",
        "data-from": holders[c.from].id});
      c.spots.forEach(function (sp) { addRing(map, sp, holders[c.to].color, opts); });
    });
  }

  // a ring around changed ground too small to see at the current zoom
  var rings = [];

  function addRing(map, sp, color, opts) {
    var at = [sp[1], sp[0]];
    var common = {radius: 13, fill: false, interactive: false, pane: "fm-places",
      renderer: opts.placeRenderer};
    var halo = L.circleMarker(at, Object.assign({}, common, {color: "#ffffff", weight: 5,
      opacity: 0.9})).addTo(map);
    var ring = L.circleMarker(at, Object.assign({}, common, {color: color, weight: 2.5,
      opacity: 1})).addTo(map);
    var e = ring.getElement && ring.getElement();
    if (e) e.setAttribute("data-kind", "ring");
    rings.push({map: map, sp: sp, layers: [halo, ring]});
  }

  function updateRings(map) {
    rings.forEach(function (r) {
      if (r.map !== map) return;
      var a = map.latLngToContainerPoint([r.sp[1], r.sp[0]]);
      var b = map.latLngToContainerPoint([r.sp[1], r.sp[0] + r.sp[2]]);
      var show = Math.abs(b.x - a.x) < 26;
      r.layers.forEach(function (l) {
        var e = l.getElement && l.getElement();
        if (e) e.style.display = show ? "" : "none";
      });
    });
  }

  function drawPlaces(map, src, opts) {
    var labels = [];
    src.places.forEach(function (p) {
      var m = L.circleMarker([p.at[1], p.at[0]], {
        radius: 3.2, color: "#222222", weight: 1.4, fillColor: "#ffffff", fillOpacity: 1,
        pane: "fm-places", renderer: opts.placeRenderer, interactive: false
      }).addTo(map);
      var e = m.getElement && m.getElement();
      if (e) { e.setAttribute("data-kind", "place"); }
      m.bindTooltip(el("span", null, p.name), {
        permanent: true, direction: "right", offset: [3, 0], className: "fm-place-label",
        pane: opts.labelPane
      }).openTooltip();
      labels.push({tip: m.getTooltip(), dot: m, ways: [["right", [3, 0]], ["left", [-3, 0]],
        ["top", [0, -3]], ["bottom", [0, 3]]]});
    });
    return labels;
  }

  // the overview's boxes around the close-ups, each with its number
  function drawBoxes(map, opts) {
    var labels = [];
    data.closeups.forEach(function (c) {
      var b = c.box;
      var bounds = [[b[1], b[0]], [b[3], b[2]]];
      var common = {renderer: opts.placeRenderer, pane: "fm-places", fill: false};
      L.rectangle(bounds, Object.assign({}, common, {color: "#ffffff", weight: 4, opacity: 0.9,
        interactive: false})).addTo(map);
      var box = L.rectangle(bounds, Object.assign({}, common, {color: "#111111", weight: 1.6,
        opacity: 1})).addTo(map);
      var e = box.getElement && box.getElement();
      if (e) {
        e.setAttribute("data-kind", "closeup-box");
        e.setAttribute("data-closeup", String(c.n));
      }
      box.on("click", function () {
        var target = document.getElementById("fm-closeup-" + c.n);
        if (target) target.scrollIntoView({behavior: "smooth", block: "start"});
      });
      var tip = L.tooltip({permanent: true, direction: "center", offset: [0, 0],
        className: "fm-box-label", pane: opts.labelPane, interactive: false})
        .setLatLng([b[3], b[0]]).setContent(el("span", null, String(c.n))).addTo(map);
      // on a corner of its box (the north-west one, or another where there is room), or a
      // little outside it where a town's dot is in the way
      var corners = [[[b[3], b[0]], -1, -1], [[b[3], b[2]], 1, -1], [[b[1], b[0]], -1, 1],
        [[b[1], b[2]], 1, 1]];
      var ways = corners.map(function (k) { return ["center", [0, 0], k[0]]; });
      corners.forEach(function (k) { ways.push(["center", [13 * k[1], 13 * k[2]], k[0]]); });
      labels.push({tip: tip, ways: ways});
    });
    return labels;
  }

  // -- label placement: no label overlaps another or leaves its map ----------------------
  // Labels come in order of importance: events and close-up numbers, then towns and
  // country names. Within each, first every label tries its preferred position, then
  // those that found no room try their other positions; a label with no room anywhere
  // is hidden (with its dot). No label covers a town's dot, unless an event or a
  // close-up number has no room anywhere else (that town is then left out).

  function placeLabels(map, items) {
    var c = map.getContainer().getBoundingClientRect();
    // the labels placed so far, after the map's controls (zoom, scale bar, credits),
    // which no label covers
    var kept = Array.prototype.map.call(
      map.getContainer().querySelectorAll(".leaflet-control"),
      function (e) { return e.getBoundingClientRect(); });
    // towns' dots: no town label or country name covers one (events and close-up numbers,
    // which come first, may; a town whose dot they cover is then left out)
    var dots = items.map(function (it) {
      var d = it.dot && it.dot.getElement && it.dot.getElement();
      if (d) d.style.visibility = "";
      return d ? d.getBoundingClientRect() : null;
    });

    function hits(r, k, pad) {
      return r.left < k.right + pad && r.right > k.left - pad &&
        r.top < k.bottom + 1 && r.bottom > k.top - 1;
    }

    function closeTo(a, b, px) {  // the centres of two dots within px
      var dx = (a.left + a.right - b.left - b.right) / 2;
      var dy = (a.top + a.bottom - b.top - b.bottom) / 2;
      return dx * dx + dy * dy < px * px;
    }

    function put(it, w) {  // the label at way w: [direction, offset, at] (null: as it is)
      if (w[0] === null) return;
      it.tip.options.direction = w[0];
      it.tip.options.offset = w[1];
      if (w[2]) it.tip.setLatLng(w[2]);
      it.tip._updatePosition();
    }

    // where a label at way ``w`` would be, if it has room there (else null); it does
    // not take the room. overDots: an event or a close-up number may cover a town's dot
    // when it has no room anywhere else (the town is then left out). clear (an event's
    // label): not over the ground that changed hands or the outlines of events
    function room(it, n, e, w, overDots, clear) {
      put(it, w);
      var r = e.getBoundingClientRect();
      if (r.left < c.left + 2 || r.right > c.right - 2 || r.top < c.top + 2 ||
          r.bottom > c.bottom - 2) return null;
      if (kept.some(function (k) { return hits(r, k, 3); })) return null;
      if (!overDots &&
          dots.some(function (d, m) { return d && m !== n && hits(r, d, 1); })) return null;
      if (dots[n] && kept.some(function (k) { return hits(dots[n], k, 0); })) return null;
      if (it.country && hiddenName(map, r)) return null;
      if (clear && covers(map, r, CHANGES)) return null;
      return r;
    }

    function fits(it, n, e, w, overDots) {
      var r = room(it, n, e, w, overDots, false);
      if (r) kept.push(r);
      return r !== null;
    }

    // an event's label: clear of the changes if it can be (the pocket or the corridor it
    // names, the ground that changed hands); then where it hides the least: towns' dots
    // (the town is left out), the ground of the faction it is about, where towns' labels
    // would rather go (in that order of weight); the first such way
    function placeEvent(it, n) {
      var e = it.tip.getElement(), best = -1, least = Infinity;
      var own = it.holder === null ? [] : Array.prototype.filter.call(
        map.getContainer().querySelectorAll("path[data-kind=faction][data-date=to]"),
        function (p) { return p.getAttribute("data-holder") === it.holder; });
      it.ways.forEach(function (w, i) {
        [true, false].forEach(function (clear) {
          var r = room(it, n, e, w, true, clear);
          if (!r) return;
          var cost = (clear ? 0 : 1e7) + 400 * pointsIn(map, r, own) +
            1000 * dots.filter(function (d, m) { return d && m !== n && hits(r, d, 1); }).length +
            townSpots.filter(function (k) { return hits(r, k, 1); }).length;
          if (cost < least) { least = cost; best = i; }
        });
      });
      return best >= 0 && fits(it, n, e, it.ways[best], true);
    }

    // where each town's label would rather go (its first way), before any is placed
    var townSpots = [];
    function spotTowns(live) {
      live.forEach(function (n) {
        var it = items[n];
        if (!it.dot || !it.ways) return;
        put(it, it.ways[0]);
        townSpots.push(it.tip.getElement().getBoundingClientRect());
      });
    }

    // events and close-up numbers first, placed in full (over a town's dot if need be),
    // then towns and country names: each tries its preferred position, then its others
    function place(group, strong) {
      var placed = {};
      group.forEach(function (n) { if (items[n].event) placed[n] = placeEvent(items[n], n); });
      group.forEach(function (n) {
        var it = items[n];
        if (it.event) return;
        placed[n] = fits(it, n, it.tip.getElement(), (it.ways || [[null, null]])[0]);
      });
      group.forEach(function (n) {
        var it = items[n];
        var e = it.tip.getElement();
        var ways = it.ways || [];
        var tries = it.event ? [] : ways;  // (an event's label has tried every way)
        for (var i = 1; i < tries.length && !placed[n]; i++) placed[n] = fits(it, n, e, tries[i]);
        for (var j = 0; strong && j < tries.length && !placed[n]; j++) {
          placed[n] = fits(it, n, e, tries[j], true);
        }
        if (!placed[n] && ways.length) put(it, ways[0]);  // back where it belongs, hidden
        e.style.visibility = placed[n] ? "" : "hidden";
        var dot = it.dot && it.dot.getElement && it.dot.getElement();
        if (dot) dot.style.visibility = placed[n] ? "" : "hidden";
      });
    }

    // a town whose dot is within 12 px of a more important town's (they come in that
    // order) reads as the same place at this zoom (a district, a suburb): left out
    var live = [], townDots = [];
    items.forEach(function (it, n) {
      var e = it.tip.getElement && it.tip.getElement();
      if (!e) return;
      var crowded = dots[n] && townDots.some(function (d) { return closeTo(dots[n], d, 12); });
      e.style.visibility = crowded ? "hidden" : "";
      if (crowded) {  // (its dot hidden, and no longer in any label's way)
        it.dot.getElement().style.visibility = "hidden";
        dots[n] = null;
        return;
      }
      if (dots[n]) townDots.push(dots[n]);
      live.push(n);
    });
    spotTowns(live);
    place(live.filter(function (n) { return !items[n].dot && !items[n].country; }), true);
    place(live.filter(function (n) { return items[n].dot || items[n].country; }), false);
  }

  // -- the bundled basemap (Natural Earth): land, coast, national borders, names -------

  // land, coast and borders, once per map, in the "basemap" pane under the factions
  // (the sea is the map's background)
  function drawBasemap(map, bundled) {
    var pane = map.createPane("basemap");
    pane.style.zIndex = 250;
    pane.style.pointerEvents = "none";
    map.getContainer().classList.add("fm-sea");
    var opts = {renderer: L.svg({pane: "basemap", padding: 0.5}), pane: "basemap",
      interactive: false};
    var styles = [
      ["land", {fillColor: "#f4f2ee", fillOpacity: 1, stroke: false}],
      ["coast", {color: "#9fb3c1", weight: 0.8, opacity: 1, fill: false}],
      ["borders", {color: "#8c8f93", weight: 1, opacity: 1, dashArray: "5 3", fill: false,
        lineJoin: "round"}]
    ];
    styles.forEach(function (s) {
      if (!bundled[s[0]]) return;
      var layer = L.geoJSON(bundled[s[0]], Object.assign({}, opts, {style: s[1]})).addTo(map);
      tag(layer, {"data-kind": "basemap-" + s[0]});
    });
    map.attributionControl.addAttribution("Natural Earth");
  }

  // country names, muted, in the basemap pane; dropped where they would cover a label
  // of the map's own (they come last to the placement) or sit under a holder's ground
  function drawCountries(map, bundled) {
    if (!bundled) return [];
    return bundled.countries.map(function (c) {
      var tip = L.tooltip([c.at[1], c.at[0]], {
        content: el("span", null, c.name), permanent: true, direction: "center",
        className: "fm-country-label", pane: "basemap", interactive: false, opacity: 1
      }).addTo(map);
      return {tip: tip, country: true};
    });
  }

  // a country name (under the factions) half hidden under ground some holder holds
  var HELD = "path[data-kind=faction], path[data-kind=contested], path[data-kind=unassigned]";
  // the changes: ground that changed hands, and the outlines of events
  var CHANGES = "path[data-kind=changed], path[data-kind=event]";

  function hiddenName(map, r) {
    return covers(map, r, HELD);
  }

  // whether a box (on the screen) covers some of the paths ``which`` of a map (at one of
  // fifteen points spread over it)
  function covers(map, r, which) {
    return pointsIn(map, r, map.getContainer().querySelectorAll(which), true) > 0;
  }

  // how many of fifteen points spread over a box (on the screen) lie in one of ``shapes``
  // (paths of a map); any: stop at the first
  function pointsIn(map, r, shapes, any) {
    if (!shapes.length) return 0;
    var c = map.getContainer().getBoundingClientRect();
    var n = 0;
    [0, 0.25, 0.5, 0.75, 1].forEach(function (fx) {
      [0.15, 0.5, 0.85].forEach(function (fy) {
        if (any && n) return;
        var p = map.containerPointToLayerPoint([r.left - c.left + fx * r.width,
          r.top - c.top + fy * r.height]);
        var pt = new DOMPoint(p.x, p.y);
        for (var i = 0; i < shapes.length; i++) {
          if (shapes[i].isPointInFill(pt)) { n++; return; }
        }
      });
    });
    return n;
  }

  // -- maps -------------------------------------------------------------------------

  function newMap(id, src) {
    var map = L.map(id, {
      zoomSnap: 0.1, zoomDelta: 0.5, scrollWheelZoom: false, preferCanvas: false,
      attributionControl: true, minZoom: 1, maxZoom: 16, worldCopyJump: false
    });
    map.attributionControl.setPrefix("Leaflet");
    map.createPane("fm-places").style.zIndex = 620;
    map.createPane("fm-labels").style.zIndex = 660;
    if (data.tiles) {
      L.tileLayer(data.tiles.url, {
        attribution: data.tiles.attribution, maxZoom: 16, crossOrigin: false
      }).addTo(map);
    }
    L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo(map);
    var v = src.view;
    map.fitBounds([[v[1], v[0]], [v[3], v[2]]], {animate: false});
    if (src.bundled) drawBasemap(map, src.bundled);
    return map;
  }

  function rendererFor(pane) {
    return {renderer: L.svg({pane: pane, padding: 0.5}), placeRenderer: L.svg({pane: "fm-places"}),
      labelPane: "fm-labels", pane: pane};
  }

  // the marks of one map, and its labels placed (again after every zoom or pan)
  function finish(map, src, opts, which, overview) {
    var labels = [];
    if (which === "to") labels = labels.concat(drawChanges(map, src, opts));
    else drawSoon(map, src, opts);
    if (overview) labels = labels.concat(drawBoxes(map, opts));
    labels = labels.concat(drawPlaces(map, src, opts), drawCountries(map, src.bundled));
    var again = function () { placeLabels(map, labels); updateRings(map); };
    map.on("zoomend moveend", again);
    map.whenReady(again);
    return again;
  }

  function sync(a, b) {
    var busy = false;
    function follow(src, dst) {
      return function () {
        if (busy) return;
        busy = true;
        dst.setView(src.getCenter(), src.getZoom(), {animate: false, reset: false});
        busy = false;
      };
    }
    a.on("move zoom", follow(a, b));
    b.on("move zoom", follow(b, a));
  }

  // two maps side by side, panning and zooming together
  function pair(src, idFrom, idTo, overview) {
    var a = newMap(idFrom, src);
    var b = newMap(idTo, src);
    b.setView(a.getCenter(), a.getZoom(), {animate: false});
    var oa = rendererFor("overlayPane"), ob = rendererFor("overlayPane");
    drawDate(a, src, "from", oa);
    drawDate(b, src, "to", ob);
    finish(a, src, oa, "from", overview);
    finish(b, src, ob, "to", overview);
    sync(a, b);
    return {from: a, to: b};
  }

  function swipe() {
    var map = newMap("fm-map-swipe", data);
    var panes = {};
    ["from", "to"].forEach(function (w) {
      panes[w] = map.createPane("fm-" + w);
      panes[w].style.zIndex = w === "from" ? 410 : 411;
    });
    var placeRenderer = L.svg({pane: "fm-places"});
    drawDate(map, data, "from", {renderer: L.svg({pane: "fm-from", padding: 0.5}),
      pane: "fm-from"});
    var toOpts = {renderer: L.svg({pane: "fm-to", padding: 0.5}), pane: "fm-to",
      placeRenderer: placeRenderer, labelPane: "fm-labels"};
    drawDate(map, data, "to", toOpts);
    // event outlines and changed ground belong to TO; their labels sit above both
    finish(map, data, toOpts, "to", true);

    var container = map.getContainer();
    var divider = document.getElementById("fm-divider");
    container.appendChild(divider);
    divider.hidden = false;
    var frac = 0.5;

    function clip() {
      var size = map.getSize();
      var nw = map.containerPointToLayerPoint([0, 0]);
      var se = map.containerPointToLayerPoint(size);
      var x = nw.x + size.x * frac;
      panes.from.style.clip = "rect(" + [nw.y, x, se.y, nw.x].join("px,") + "px)";
      panes.to.style.clip = "rect(" + [nw.y, se.x, se.y, x].join("px,") + "px)";
      divider.style.left = (frac * 100) + "%";
      var pct = Math.round(frac * 100);
      divider.setAttribute("aria-valuenow", String(pct));
      divider.setAttribute("aria-valuetext", pct + "% " + data.dates.from.label + ", " +
        (100 - pct) + "% " + data.dates.to.label);
    }

    function set(f) {
      frac = Math.min(1, Math.max(0, f));
      clip();
    }

    map.on("move zoom zoomend resize viewreset", clip);
    L.DomEvent.disableClickPropagation(divider);
    L.DomEvent.disableScrollPropagation(divider);

    var dragging = false;
    function fromEvent(e) {
      var r = container.getBoundingClientRect();
      set((e.clientX - r.left) / r.width);
    }
    divider.addEventListener("pointerdown", function (e) {
      dragging = true;
      if (divider.setPointerCapture) divider.setPointerCapture(e.pointerId);
      divider.classList.add("fm-dragging");
      divider.focus({preventScroll: true});
      e.preventDefault();
      e.stopPropagation();
    });
    divider.addEventListener("pointermove", function (e) {
      if (!dragging) return;
      fromEvent(e);
      e.preventDefault();
      e.stopPropagation();
    });
    function stop(e) {
      if (!dragging) return;
      dragging = false;
      divider.classList.remove("fm-dragging");
      if (divider.releasePointerCapture && divider.hasPointerCapture &&
          divider.hasPointerCapture(e.pointerId)) {
        divider.releasePointerCapture(e.pointerId);
      }
    }
    divider.addEventListener("pointerup", stop);
    divider.addEventListener("pointercancel", stop);
    divider.addEventListener("keydown", function (e) {
      var step = e.shiftKey ? 0.1 : 0.02;
      var k = e.key;
      if (k === "ArrowLeft" || k === "ArrowDown") set(frac - step);
      else if (k === "ArrowRight" || k === "ArrowUp") set(frac + step);
      else if (k === "PageDown") set(frac - 0.1);
      else if (k === "PageUp") set(frac + 0.1);
      else if (k === "Home") set(0);
      else if (k === "End") set(1);
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    clip();
    return {mode: "swipe", from: map, to: map, swipe: {
      get: function () { return frac; }, set: set
    }};
  }

  addPatterns();
  var fm;
  if (data.mode === "swipe") {
    fm = swipe();
  } else {
    fm = pair(data, "fm-map-from", "fm-map-to", true);
    fm.mode = "side-by-side";
  }
  // the close-ups: a before/after pair each, at their own detail
  fm.closeups = data.closeups.map(function (c) {
    return pair(c, "fm-close-" + c.n + "-from", "fm-close-" + c.n + "-to", false);
  });
  window.frontmap = fm;
  // resize every map at once (Leaflet alone resizes each on its own animation frame and
  // redraws 200 ms later, which would let one map follow the other at a stale size)
  window.addEventListener("resize", function () {
    [fm].concat(fm.closeups).forEach(function (p) {
      p.from.invalidateSize();
      if (p.to !== p.from) {
        p.to.invalidateSize();
        p.to.setView(p.from.getCenter(), p.from.getZoom(), {animate: false});
      }
    });
  });
  document.documentElement.setAttribute("data-fm-ready", "1");
})();
