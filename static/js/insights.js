/* Insights charts (Chart.js): reads the figures from the page's JSON data block (not
 * executable, so the CSP allows it) and draws one chart per canvas. The canvases sit in
 * fixed-height boxes (app.css) so nothing moves while they draw; colours come from
 * Bootstrap's variables and follow the light or dark theme. Every figure is also a table on
 * the page, so the charts are hidden from screen readers.
 */
(function () {
  "use strict";

  var source = document.getElementById("insights-data");
  if (!source || typeof window.Chart !== "function") return;
  var figures = JSON.parse(source.textContent);

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return [
      cssVar("--bs-primary", "#0d6efd"),
      cssVar("--bs-success", "#198754"),
      cssVar("--bs-warning", "#ffc107"),
      cssVar("--bs-danger", "#dc3545"),
      cssVar("--bs-info", "#0dcaf0"),
      cssVar("--bs-secondary", "#6c757d"),
      cssVar("--bs-indigo", "#6610f2"),
      cssVar("--bs-pink", "#d63384"),
      cssVar("--bs-teal", "#20c997")
    ];
  }

  var charts = [];

  function draw() {
    var colours = palette();
    window.Chart.defaults.color = cssVar("--bs-body-color", "#212529");
    window.Chart.defaults.borderColor = cssVar("--bs-border-color", "#dee2e6");
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    figures.forEach(function (figure) {
      var canvas = document.getElementById("chart-" + figure.key);
      if (!canvas) return;
      var stacked = figure.kind === "stacked";
      var percent = figure.unit === "%";
      charts.push(new window.Chart(canvas, {
        type: figure.kind === "line" ? "line" : "bar",
        data: {
          labels: figure.labels,
          datasets: figure.series.map(function (s, i) {
            return { label: s.label, data: s.data, backgroundColor: colours[i % colours.length], borderColor: colours[i % colours.length] };
          })
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: figure.series.length > 1, position: "bottom" } },
          scales: {
            x: { stacked: stacked },
            y: { stacked: stacked, beginAtZero: true, max: percent ? 100 : undefined, ticks: { precision: 0 } }
          }
        }
      }));
    });
    document.body.setAttribute("data-charts", String(charts.length));
  }

  draw();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", draw);
})();
