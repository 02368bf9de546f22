/* frontmap "tale of two maps" page: two synchronised Leaflet maps, or one map
 * with a swipe divider. Every string from the data is set with textContent or
 * setAttribute, never parsed as HTML. The data is the JSON in #fm-data. */
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

  // -- hatch patterns (ground that changed hands, contested ground) -----------

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

  function drawDate(map, which, opts) {
    var base = {renderer: opts.renderer, pane: opts.pane};
    if (data.basemap) {
      var b = L.geoJSON(data.basemap, Object.assign({}, base, {
        interactive: false,
        style: {fillColor: "#f3f1ec", fillOpacity: 1, color: "#9aa3a8", weight: 0.8}
      })).addTo(map);
      tag(b, {"data-kind": "basemap", "data-date": which});
    }
    data[which].forEach(function (f) {
      var h = holders[f.h];
      var style = Object.assign(holderStyle(f.h), {className: "fm-shape fm-" + h.kind});
      var layer = L.geoJSON(f.g, Object.assign({}, base, {style: style})).addTo(map);
      layer.bindTooltip(el("span", null, h.name), {sticky: true, className: "fm-hover"});
      tag(layer, {"data-kind": h.kind, "data-holder": h.id, "data-date": which});
    });
    if (data.fronts[which]) {
      var fr = L.geoJSON(data.fronts[which], Object.assign({}, base, {
        interactive: false,
        style: {color: "#111111", weight: 1.6, opacity: 0.85, lineJoin: "round", fill: false}
      })).addTo(map);
      tag(fr, {"data-kind": "front", "data-date": which});
    }
  }

  function drawChanges(map, opts) {
    var base = {renderer: opts.renderer, pane: opts.pane};
    data.changed.forEach(function (c) {
      var layer = L.geoJSON(c.g, Object.assign({}, base, {
        style: {fillColor: "url(#fm-hatch-" + c.to + ")", fillOpacity: 1,
          color: holders[c.to].color, weight: 1.6, opacity: 1}
      })).addTo(map);
      layer.bindTooltip(el("span", null, c.text), {sticky: true, className: "fm-hover"});
      tag(layer, {"data-kind": "changed", "data-holder": holders[c.to].id, "data-date": "to",
        "data-from": holders[c.from].id});
    });
    var labels = [];
    data.changed.forEach(function (c) {
      c.spots.forEach(function (sp) {
        addRing(map, sp, holders[c.to].color, opts);
      });
    });
    data.events.forEach(function (ev) {
      var layer = L.geoJSON(ev.g, Object.assign({}, base, {
        interactive: false,
        style: {fill: false, color: "#111111", weight: 2, opacity: 1, dashArray: "5 4"}
      })).addTo(map);
      tag(layer, {"data-kind": "event", "data-event": ev.type, "data-date": "to"});
      if (!ev.label) return;
      var anchor = L.circleMarker([ev.at[1], ev.at[0]], {
        radius: 0, stroke: false, fill: false, interactive: false, pane: "fm-places",
        renderer: opts.placeRenderer
      }).addTo(map);
      anchor.bindTooltip(el("span", null, ev.label), {
        permanent: true, direction: "top", offset: [0, -4], className: "fm-event-label",
        pane: opts.labelPane
      }).openTooltip();
      labels.push({tip: anchor.getTooltip()});
    });
    return labels;
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
      opacity: 1, dashArray: opts.changes ? null : "4 3"})).addTo(map);
    var e = ring.getElement && ring.getElement();
    if (e) e.setAttribute("data-kind", "ring");
    rings.push({map: map, sp: sp, layers: [halo, ring]});
  }

  function updateRings() {
    rings.forEach(function (r) {
      var a = r.map.latLngToContainerPoint([r.sp[1], r.sp[0]]);
      var b = r.map.latLngToContainerPoint([r.sp[1], r.sp[0] + r.sp[2]]);
      var show = Math.abs(b.x - a.x) < 26;
      r.layers.forEach(function (l) {
        var e = l.getElement && l.getElement();
        if (e) e.style.display = show ? "" : "none";
      });
    });
  }

  function drawPlaces(map, opts) {
    var labels = [];
    data.places.forEach(function (p) {
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
      labels.push({tip: m.getTooltip(), dot: m});
    });
    return labels;
  }

  // hide labels that would overlap labels drawn before them (events first, then
  // places in the order of the places file, then country names)
  function declutter(items) {
    var kept = [];
    items.forEach(function (it) {
      var e = it.tip.getElement && it.tip.getElement();
      if (!e) return;
      e.style.visibility = "";
      var r = e.getBoundingClientRect();
      var hit = kept.some(function (k) {
        return r.left < k.right + 3 && r.right > k.left - 3 &&
          r.top < k.bottom + 1 && r.bottom > k.top - 1;
      }) || (it.map && hiddenName(it.map, r));
      if (hit) { e.style.visibility = "hidden"; } else { kept.push(r); }
      var dot = it.dot && it.dot.getElement && it.dot.getElement();
      if (dot) dot.style.visibility = hit ? "hidden" : "";
    });
  }

  // -- the bundled basemap (Natural Earth): land, coast, national borders, names -------

  var bundled = data.bundled;

  // land, coast and borders, once per map, in the "basemap" pane under the factions
  // (the sea is the map's background)
  function drawBasemap(map) {
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
  // of the map's own (they come last to the declutter)
  function drawCountries(map) {
    if (!bundled) return [];
    return bundled.countries.map(function (c) {
      var tip = L.tooltip([c.at[1], c.at[0]], {
        content: el("span", null, c.name), permanent: true, direction: "center",
        className: "fm-country-label", pane: "basemap", interactive: false, opacity: 1
      }).addTo(map);
      return {tip: tip, map: map};
    });
  }

  // a country name (under the factions) that would be cut off by the edge of the map or
  // half hidden under ground some holder holds (on either date)
  function hiddenName(map, r) {
    var c = map.getContainer().getBoundingClientRect();
    if (r.left < c.left + 2 || r.right > c.right - 2 || r.top < c.top + 2 ||
        r.bottom > c.bottom - 2) return true;
    var shapes = map.getContainer().querySelectorAll(
      "path[data-kind=faction], path[data-kind=contested], path[data-kind=unassigned]");
    var pts = [];
    [0, 0.5, 1].forEach(function (fx) {
      [0.15, 0.5, 0.85].forEach(function (fy) {
        var p = map.containerPointToLayerPoint([r.left - c.left + fx * r.width,
          r.top - c.top + fy * r.height]);
        pts.push(new DOMPoint(p.x, p.y));
      });
    });
    for (var i = 0; i < shapes.length; i++) {
      for (var j = 0; j < pts.length; j++) {
        if (shapes[i].isPointInFill(pts[j])) return true;
      }
    }
    return false;
  }

  // -- maps -------------------------------------------------------------------------

  function newMap(id) {
    var map = L.map(id, {
      zoomSnap: 0.1, zoomDelta: 0.5, scrollWheelZoom: false, preferCanvas: false,
      attributionControl: true, minZoom: 1, maxZoom: 14, worldCopyJump: false
    });
    map.attributionControl.setPrefix("Leaflet");
    map.createPane("fm-places").style.zIndex = 620;
    map.createPane("fm-labels").style.zIndex = 660;
    if (data.tiles) {
      L.tileLayer(data.tiles.url, {
        attribution: data.tiles.attribution, maxZoom: 14, crossOrigin: false
      }).addTo(map);
    }
    L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo(map);
    var v = data.view;
    map.fitBounds([[v[1], v[0]], [v[3], v[2]]], {animate: false});
    if (bundled) drawBasemap(map);
    return map;
  }

  function place(map, opts) {
    var labels = [];
    if (opts.changes) {
      labels = labels.concat(drawChanges(map, opts));
    } else {
      // the same rings on the FROM map, dashed, so that the eye can compare
      data.changed.forEach(function (c) {
        c.spots.forEach(function (sp) { addRing(map, sp, "#111111", opts); });
      });
    }
    labels = labels.concat(drawPlaces(map, opts), drawCountries(map));
    var again = function () { declutter(labels); updateRings(); };
    map.on("zoomend", again);
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

  function sideBySide() {
    var a = newMap("fm-map-from");
    var b = newMap("fm-map-to");
    b.setView(a.getCenter(), a.getZoom(), {animate: false});
    var common = function () {
      return {renderer: L.svg({padding: 0.5}), placeRenderer: L.svg({pane: "fm-places"}),
        labelPane: "fm-labels", pane: "overlayPane"};
    };
    var oa = common(), ob = common();
    drawDate(a, "from", oa);
    drawDate(b, "to", ob);
    place(a, oa);
    ob.changes = true;
    place(b, ob);
    sync(a, b);
    return {mode: "side-by-side", from: a, to: b};
  }

  function swipe() {
    var map = newMap("fm-map-swipe");
    var panes = {};
    ["from", "to"].forEach(function (w) {
      panes[w] = map.createPane("fm-" + w);
      panes[w].style.zIndex = w === "from" ? 410 : 411;
    });
    var placeRenderer = L.svg({pane: "fm-places"});
    drawDate(map, "from", {renderer: L.svg({pane: "fm-from", padding: 0.5}), pane: "fm-from"});
    var toOpts = {renderer: L.svg({pane: "fm-to", padding: 0.5}), pane: "fm-to",
      placeRenderer: placeRenderer, labelPane: "fm-labels", changes: true};
    drawDate(map, "to", toOpts);
    // event outlines and changed ground belong to TO; their labels sit above both
    place(map, toOpts);

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
  var fm = window.frontmap = data.mode === "swipe" ? swipe() : sideBySide();
  // resize both maps at once (Leaflet alone resizes each on its own animation frame and
  // redraws 200 ms later, which would let one map follow the other at a stale size)
  window.addEventListener("resize", function () {
    fm.from.invalidateSize();
    if (fm.to !== fm.from) {
      fm.to.invalidateSize();
      fm.to.setView(fm.from.getCenter(), fm.from.getZoom(), {animate: false});
    }
  });
  document.documentElement.setAttribute("data-fm-ready", "1");
})();
