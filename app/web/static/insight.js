// The insight pages: a Chart.js chart drawn from the table right under it (the table is its text
// alternative and the CSV holds the same rows), and the durations as a heat overlay on the
// bpmn-js diagram, read from the steps and flows tables (so the overlay shows what the table says).
(function () {
  "use strict";

  var english = document.documentElement.lang === "en";

  function columnValues(table, name) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      var cell = row.querySelector('td[data-name="' + name + '"]');
      if (!cell) return null;
      var value = cell.getAttribute("data-value");
      return value === null ? null : Number(value);
    });
  }

  function columnTexts(table, name) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      var cell = row.querySelector('td[data-name="' + name + '"]');
      return cell ? cell.textContent.trim() : "";
    });
  }

  function heading(table, name) {
    var th = table.querySelector('th[data-name="' + name + '"]');
    return th ? th.textContent.trim() : name;
  }

  var COLOURS = ["#0b5cad", "#b26a00", "#1e6b35", "#a4161a", "#6b4fa0"];

  function drawChart(canvas) {
    if (!window.Chart) return;
    var table = document.getElementById(canvas.getAttribute("data-chart-for"));
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    var names = Array.isArray(spec.label) ? spec.label : [spec.label];
    var parts = names.map(function (name) { return columnTexts(table, name); });
    var labels = parts[0].map(function (_, n) {
      return parts.map(function (texts) { return texts[n]; }).join(" / ");
    });
    var datasets = spec.values.map(function (name, n) {
      var values = columnValues(table, name);
      if (spec.scale === "share") values = values.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; });
      if (spec.scale === "hours") values = values.map(function (v) { return v === null ? null : Math.round(v / 36) / 100; });
      return { label: heading(table, name), data: values, backgroundColor: COLOURS[n % COLOURS.length],
               borderColor: COLOURS[n % COLOURS.length], spanGaps: true };
    });
    var unit = spec.scale === "share" ? "%" : spec.scale === "hours" ? (english ? " h" : " u") : "";
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, max: spec.scale === "share" ? 100 : undefined,
                       ticks: { callback: function (v) { return v + unit; } } } },
        plugins: { legend: { display: datasets.length > 1 } },
      },
    });
    canvas.setAttribute("data-rendered", "true");
  }

  document.querySelectorAll("canvas[data-chart]").forEach(drawChart);

  // -- the heat overlay ------------------------------------------------------------------------------
  function rowsOf(id) {
    var table = document.getElementById(id);
    if (!table) return [];
    return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      var cells = {};
      row.querySelectorAll("td[data-name]").forEach(function (td) {
        cells[td.getAttribute("data-name")] = { text: td.textContent.trim(), value: td.getAttribute("data-value") };
      });
      return { element: row.getAttribute("data-element"), cells: cells, row: row };
    });
  }

  function drawOverlay(container) {
    if (!window.BpmnJS) return;
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute("data-diagram-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("diagram " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var overlays = viewer.get("overlays");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        var steps = rowsOf(container.getAttribute("data-steps"));
        var totals = steps.map(function (s) {
          var wait = Number(s.cells.waitMedianSeconds && s.cells.waitMedianSeconds.value || 0);
          var work = Number(s.cells.workMedianSeconds && s.cells.workMedianSeconds.value || 0);
          return wait + work;
        });
        var longest = Math.max.apply(null, totals.concat([1]));
        steps.forEach(function (step, n) {
          if (!step.element || !registry.get(step.element)) return;
          var heat = Math.min(4, Math.floor((totals[n] / longest) * 5));
          canvas.addMarker(step.element, "heat-" + heat);
          var badge = document.createElement("div");
          badge.className = "heat-badge";
          badge.setAttribute("data-element", step.element);
          badge.textContent = "n=" + step.cells.created.text + " · " + container.getAttribute("data-wait-label") + " " +
            step.cells.waitMedianSeconds.text + " · " + container.getAttribute("data-work-label") + " " +
            step.cells.workMedianSeconds.text;
          overlays.add(step.element, "insight", { position: { bottom: 2, left: 0 }, html: badge });
          badge.parentNode.addEventListener("mouseenter", function () { step.row.classList.add("highlight"); });
          badge.parentNode.addEventListener("mouseleave", function () { step.row.classList.remove("highlight"); });
        });
        var stacked = {};
        rowsOf(container.getAttribute("data-flows")).forEach(function (flow) {
          var target = flow.element && registry.get(flow.element);
          if (!target) return;
          var badge = document.createElement("div");
          badge.className = "flow-badge";
          badge.setAttribute("data-element", flow.element);
          badge.textContent = flow.cells.share.text + " " + flow.cells.label.text;
          // A decision's outcomes share its one outgoing flow: stack their badges.
          var k = stacked[flow.element] = (stacked[flow.element] || 0) + 1;
          var position = { top: -14 * k, right: 0 };
          if (target.waypoints) {
            var xs = target.waypoints.map(function (p) { return p.x; });
            var ys = target.waypoints.map(function (p) { return p.y; });
            var point = target.waypoints[Math.floor(target.waypoints.length / 2)];
            position = { top: point.y - Math.min.apply(null, ys) - 8 + 14 * (k - 1), left: point.x - Math.min.apply(null, xs) + 4 };
          }
          overlays.add(flow.element, "insight-flow", { position: position, html: badge });
        });
        container.setAttribute("data-rendered", "true");
      })
      .catch(function (error) {
        container.setAttribute("data-rendered", "error");
        container.textContent = String(error);
      });
  }

  document.querySelectorAll(".insight-diagram[data-diagram-url]").forEach(drawOverlay);
})();
