/* frontmap animated map: every snapshot on one Leaflet map, a slider, play/pause,
 * keyboard arrows, the legend with each faction's area and the chart's cursor.
 * The faces are drawn once; each date only recolours the faces whose holder
 * changed. Every string from the data is set with textContent. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("fm-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var holders = data.holders;
  var nDates = data.dates.length;
  var nFaces = data.faces.length;
  var KEY = 32; // a full copy of every face's holder each KEY dates

  // -- decode -----------------------------------------------------------------

  function decodeRing(r) {
    var out = [];
    var x = data.origin[0], y = data.origin[1], s = data.scale;
    for (var i = 0; i < r.length; i += 2) {
      x += r[i];
      y += r[i + 1];
      out.push([y / s, x / s]);
    }
    return out;
  }

  // changes[d]: Int32Array of (face, holder) pairs; holder -1 = nobody
  var changes = data.changes.map(function (flat) {
    var pairs = [];
    var i = 0;
    while (i < flat.length) {
      var h = flat[i] - 1, n = flat[i + 1], f = 0;
      for (var k = 0; k < n; k++) {
        f += flat[i + 2 + k];
        pairs.push(f, h);
      }
      i += 2 + n;
    }
    return Int32Array.from(pairs);
  });

  var keyframes = [];
  (function () {
    var lab = new Int16Array(nFaces).fill(-1);
    for (var d = 0; d < nDates; d++) {
      var c = changes[d];
      for (var i = 0; i < c.length; i += 2) lab[c[i]] = c[i + 1];
      if (d % KEY === 0) keyframes.push(lab.slice());
    }
  })();

  function labelsOn(d) {
    var k = Math.floor(d / KEY);
    var lab = keyframes[k].slice();
    for (var t = k * KEY + 1; t <= d; t++) {
      var c = changes[t];
      for (var i = 0; i < c.length; i += 2) lab[c[i]] = c[i + 1];
    }
    return lab;
  }

  // -- map ----------------------------------------------------------------------

  var map = L.map("fm-map", {
    zoomSnap: 0.1, zoomDelta: 0.5, scrollWheelZoom: false, minZoom: 1, maxZoom: 14,
    attributionControl: true
  });
  map.attributionControl.setPrefix("Leaflet");
  map.createPane("basemap").style.zIndex = 300;
  if (data.tiles) {
    L.tileLayer(data.tiles.url, {attribution: data.tiles.attribution, maxZoom: 14}).addTo(map);
  }
  var v = data.view;
  map.fitBounds([[v[1], v[0]], [v[3], v[2]]], {animate: false});
  if (data.basemap) {
    L.geoJSON(data.basemap, {
      pane: "basemap", interactive: false,
      style: {fillColor: "#f3f1ec", fillOpacity: 1, color: "#9aa3a8", weight: 0.8}
    }).addTo(map);
  }
  // SVG (one element per face, inspectable) for most series; a canvas for very many
  // faces, where repainting an SVG of every face each frame would be too slow
  var CANVAS_FROM = 8000;
  var useCanvas = nFaces > CANVAS_FROM;
  var renderer = useCanvas ? L.canvas({padding: 0.3}) : L.svg({padding: 0.5});
  var hidden = {fillOpacity: 0, opacity: 0};
  var layers = new Array(nFaces);
  for (var f = 0; f < nFaces; f++) {
    layers[f] = L.polygon(data.faces[f].map(decodeRing), {
      renderer: renderer, interactive: false, smoothFactor: 0.5, fillOpacity: 0, opacity: 0,
      weight: 0.6, lineJoin: "round", className: "fm-face"
    }).addTo(map);
  }

  var shown = new Int16Array(nFaces).fill(-2);

  function paint(f, h) {
    var layer = layers[f];
    if (h < 0) {
      layer.setStyle(hidden);
    } else {
      var c = holders[h].color;
      layer.setStyle({fillColor: c, fillOpacity: 0.92, color: c, opacity: 0.92});
    }
    var e = layer.getElement && layer.getElement();
    if (e) e.setAttribute("data-holder", h < 0 ? "" : holders[h].id);
    shown[f] = h;
  }

  // -- legend, chart cursor, controls ---------------------------------------------

  function fmtKm2(x) {
    x = Math.abs(x);
    if (x >= 100) return Math.round(x).toLocaleString("en-US");
    return x.toLocaleString("en-US", {minimumFractionDigits: 1, maximumFractionDigits: 1});
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  var legend = document.getElementById("fm-legend");
  var legendValues = holders.map(function (h, i) {
    var li = el("li");
    li.setAttribute("data-holder", h.id);
    var sw = el("span", "fm-sw");
    sw.style.background = h.color;
    li.appendChild(sw);
    li.appendChild(el("span", "fm-name", h.name));
    var val = el("span", "fm-area");
    li.appendChild(val);
    legend.appendChild(li);
    var ever = h.areas.some(function (a) { return a > 0; });
    if (!ever) li.hidden = true;
    return {li: li, value: val, index: i};
  });

  var svg = document.querySelector(".fm-chart svg");
  var cursor = null;
  if (svg && data.chart) {
    cursor = document.createElementNS(SVGNS, "line");
    cursor.setAttribute("class", "fm-cursor");
    cursor.setAttribute("y1", String(data.chart.top));
    cursor.setAttribute("y2", String(data.chart.bottom));
    cursor.setAttribute("stroke", "#1a5fb4");
    cursor.setAttribute("stroke-width", "2");
    svg.appendChild(cursor);
    svg.addEventListener("click", function (e) {
      var pt = svg.createSVGPoint();
      pt.x = e.clientX;
      pt.y = e.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      var best = 0, bestD = Infinity;
      data.chart.xs.forEach(function (x, i) {
        var d = Math.abs(x - p.x);
        if (d < bestD) { bestD = d; best = i; }
      });
      stop();
      setDate(best);
    });
  }

  var dateEl = document.getElementById("fm-date");
  var stepEl = document.getElementById("fm-step");
  var slider = document.getElementById("fm-slider");
  var playBtn = document.getElementById("fm-play");
  var current = -1;
  var frames = 0;

  function setDate(d) {
    d = Math.max(0, Math.min(nDates - 1, d | 0));
    var lab = labelsOn(d);
    for (var f = 0; f < nFaces; f++) {
      if (lab[f] !== shown[f]) paint(f, lab[f]);
    }
    current = d;
    frames++;
    var label = data.dates[d].label;
    dateEl.textContent = label;
    stepEl.textContent = (d + 1) + " / " + nDates;
    slider.value = String(d);
    slider.setAttribute("aria-valuetext", label);
    document.documentElement.setAttribute("data-fm-date", data.dates[d].iso);
    legendValues.forEach(function (lv) {
      var a = holders[lv.index].areas[d];
      lv.value.textContent = a > 0 ? fmtKm2(a) + " km²" : "none";
      lv.li.classList.toggle("fm-none", !(a > 0));
    });
    if (cursor) {
      var x = String(data.chart.xs[d]);
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
    }
  }

  var timer = null;

  function play() {
    if (timer) return;
    if (current >= nDates - 1) setDate(0);
    playBtn.setAttribute("aria-label", "Pause");
    playBtn.classList.add("fm-playing");
    playBtn.firstChild.textContent = "\u275a\u275a";
    timer = setInterval(function () {
      if (current >= nDates - 1) { stop(); return; }
      setDate(current + 1);
    }, 1000 / Math.max(0.1, data.fps || 4));
  }

  function stop() {
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    playBtn.setAttribute("aria-label", "Play");
    playBtn.classList.remove("fm-playing");
    playBtn.firstChild.textContent = "\u25b6";
  }

  playBtn.addEventListener("click", function () { if (timer) stop(); else play(); });
  document.getElementById("fm-prev").addEventListener("click", function () {
    stop(); setDate(current - 1);
  });
  document.getElementById("fm-next").addEventListener("click", function () {
    stop(); setDate(current + 1);
  });
  slider.addEventListener("input", function () { stop(); setDate(+slider.value); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === "ArrowRight" || k === "ArrowUp") { stop(); setDate(current + 1); }
    else if (k === "ArrowLeft" || k === "ArrowDown") { stop(); setDate(current - 1); }
    else if (k === "Home") { stop(); setDate(0); }
    else if (k === "End") { stop(); setDate(nDates - 1); }
    else if (k === " " && e.target === document.body) { if (timer) stop(); else play(); }
    else return;
    e.preventDefault();
  });

  setDate(0);
  window.frontmap = {
    map: map, setDate: setDate, play: play, stop: stop,
    date: function () { return current; },
    playing: function () { return !!timer; },
    frames: function () { return frames; },
    dates: nDates, faces: nFaces, renderer: useCanvas ? "canvas" : "svg"
  };
  document.documentElement.setAttribute("data-fm-ready", "1");
})();
