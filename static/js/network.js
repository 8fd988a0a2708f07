/* The network graph (Cytoscape.js): fetches the filtered, capped graph from the page's JSON
 * endpoint and draws it. Node size follows how often the person was met, edge width the
 * relationship's strength, colours the circle (read from Bootstrap's variables, so they suit
 * the light and the dark theme). A click or Enter on a node opens the person. The page shows
 * the same people as a table, so nothing depends on this script.
 */
(function () {
  "use strict";

  var box = document.getElementById("network-graph");
  if (!box || typeof window.cytoscape !== "function") return;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var RING = { core: 0, active: 1, network: 2, dormant: 3, unsorted: 4 };

  function colours() {
    return {
      core: cssVar("--bs-danger", "#dc3545"),
      active: cssVar("--bs-warning", "#ffc107"),
      network: cssVar("--bs-primary", "#0d6efd"),
      dormant: cssVar("--bs-secondary", "#6c757d"),
      unsorted: cssVar("--bs-info", "#0dcaf0"),
      text: cssVar("--bs-body-color", "#212529"),
      edge: cssVar("--bs-border-color", "#dee2e6"),
      background: cssVar("--bs-body-bg", "#ffffff")
    };
  }

  function elements(data) {
    var items = [];
    data.nodes.forEach(function (n) {
      items.push({
        group: "nodes",
        data: {
          id: "p" + n.id,
          label: n.label,
          circle: n.circle,
          url: n.url,
          size: 14 + Math.min(n.touches, 24) * 2
        }
      });
    });
    data.edges.forEach(function (e) {
      items.push({
        group: "edges",
        data: { id: "e" + e.source + "-" + e.target, source: "p" + e.source, target: "p" + e.target, width: e.strength }
      });
    });
    return items;
  }

  function style(c) {
    var s = [
      {
        selector: "node",
        style: {
          width: "data(size)",
          height: "data(size)",
          label: "data(label)",
          "font-size": 10,
          color: c.text,
          "text-outline-color": c.background,
          "text-outline-width": 2,
          "text-valign": "bottom",
          "min-zoomed-font-size": 8
        }
      },
      { selector: "edge", style: { width: "data(width)", "line-color": c.edge, "curve-style": "haystack" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": c.text } }
    ];
    Object.keys(RING).forEach(function (circle) {
      s.push({ selector: 'node[circle = "' + circle + '"]', style: { "background-color": c[circle] } });
    });
    return s;
  }

  function draw(data) {
    var cy = window.cytoscape({
      container: box,
      elements: elements(data),
      style: style(colours()),
      // Rings by circle, the most often met in the middle of each: fast for hundreds of nodes.
      layout: {
        name: "concentric",
        concentric: function (node) { return 10 - (RING[node.data("circle")] || 0); },
        levelWidth: function () { return 1; },
        minNodeSpacing: 6,
        animate: false
      },
      minZoom: 0.1,
      maxZoom: 4,
      wheelSensitivity: 0.3
    });
    cy.on("tap", "node", function (event) {
      window.location.href = event.target.data("url");
    });
    box.setAttribute("data-nodes", String(data.nodes.length));
    box.setAttribute("data-ready", "1");
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      cy.style(style(colours()));
    });
  }

  fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("graph " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function () {
      box.setAttribute("data-error", "1");
    });
})();
