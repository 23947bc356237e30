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

  function addFitButton(container, canvas) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary diagram-fit";
    button.textContent = container.getAttribute("data-fit-label") || "Fit";
    button.addEventListener("click", function () { canvas.zoom("fit-viewport"); });
    container.insertAdjacentElement("afterend", button);
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
        var whole = canvas.viewbox();
        var active = words(container.getAttribute("data-active")).map(function (id) { return registry.get(id); })
          .filter(Boolean);
        if (active.length && whole.scale < 0.6) {
          // A wide pathway fitted whole is too small to read: start at the current step;
          // drag and scroll to move, or use the button to see the whole pathway.
          var step = active[0];
          var scale = 0.9;
          var width = whole.outer.width / scale;
          var height = whole.outer.height / scale;
          canvas.viewbox({
            x: step.x + step.width / 2 - width / 2,
            y: step.y + step.height / 2 - height / 2,
            width: width,
            height: height,
          });
          addFitButton(container, canvas);
        }
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
