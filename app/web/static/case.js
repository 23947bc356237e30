// The case diagram: bpmn-js NavigatedViewer with done and current steps marked; a click on a
// step shows that step's lines of the timeline.
(function () {
  "use strict";

  function words(value) {
    return (value || "").split(" ").filter(Boolean);
  }

  function showHistory(container, elementId, name) {
    var timeline = document.getElementById(container.getAttribute("data-timeline"));
    var target = document.getElementById(container.getAttribute("data-timeline") + "-selection");
    if (!timeline || !target) return;
    target.textContent = "";
    var heading = document.createElement("h4");
    heading.textContent = name || elementId;
    target.appendChild(heading);
    var items = timeline.querySelectorAll('li[data-element="' + CSS.escape(elementId) + '"]');
    var list = document.createElement("ol");
    list.className = "timeline";
    items.forEach(function (item) { list.appendChild(item.cloneNode(true)); });
    if (!items.length) {
      var none = document.createElement("p");
      none.className = "muted";
      none.textContent = document.documentElement.lang === "en" ? "Nothing happened here yet." : "Hier is nog niets gebeurd.";
      target.appendChild(none);
    } else {
      target.appendChild(list);
    }
  }

  document.querySelectorAll(".diagram[data-diagram-url]").forEach(function (container) {
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
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        words(container.getAttribute("data-done")).forEach(function (id) {
          if (registry.get(id)) canvas.addMarker(id, "step-done");
        });
        words(container.getAttribute("data-active")).forEach(function (id) {
          if (registry.get(id)) canvas.addMarker(id, "step-active");
        });
        container.setAttribute("data-rendered", "true");
        viewer.get("eventBus").on("element.click", function (event) {
          var element = event.element;
          if (!element || element.type === "bpmn:Process" || element.type === "bpmn:Collaboration") return;
          showHistory(container, element.id, element.businessObject && element.businessObject.name);
        });
      })
      .catch(function (error) {
        container.setAttribute("data-rendered", "error");
        container.textContent = String(error);
      });
  });
})();
