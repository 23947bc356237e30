// The modeller: bpmn-js Modeler; open, validate and deploy through the web session (the
// session cookie and the page's CSRF token), never an API token.
(function () {
  "use strict";
  var EMPTY = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Definitions_1" targetNamespace="http://zorgpad.example/bpmn">' +
    '<bpmn:process id="nieuw_pad" isExecutable="true"><bpmn:startEvent id="start" /></bpmn:process>' +
    '<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="nieuw_pad">' +
    '<bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>' +
    '</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>';
  var en = document.documentElement.lang === "en";
  var $ = function (id) { return document.getElementById(id); };
  var bar = $("modeller");
  if (!bar || !window.BpmnJS) return;
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var modeler = new window.BpmnJS({ container: "#canvas" });

  function call(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ "X-CSRFToken": token, "Accept": "application/json" }, options.headers || {});
    return fetch(url, options);
  }
  function status(text, cls) { $("status").textContent = text; $("status").className = cls || ""; }
  function show(findings) {
    $("findings").replaceChildren.apply($("findings"), findings.map(function (f) {
      var li = document.createElement("li");
      li.className = f.severity;
      li.textContent = [f.file, f.line].filter(Boolean).join(":") + (f.elementId ? " [" + f.elementId + "]" : "") + ": " + f.message;
      if (f.elementId) {
        li.addEventListener("click", function () {
          var el = modeler.get("elementRegistry").get(f.elementId);
          if (el) modeler.get("selection").select(el);
        });
      }
      return li;
    }));
  }
  function loadDefinitions() {
    return call(bar.getAttribute("data-definitions-url")).then(function (response) {
      if (!response.ok) { status((en ? "loading definitions failed (" : "definities laden mislukt (") + response.status + ")", "error"); return; }
      return response.json().then(function (body) {
        body.items.forEach(function (d) {
          d.versions.forEach(function (v) {
            $("definitions").add(new Option(d.key + " v" + v.version + " (" + v.runningInstances + (en ? " running)" : " lopend)"),
              d.key + "/" + v.version + "/" + v.bpmnFile));
          });
        });
      });
    });
  }
  $("open").addEventListener("click", function () {
    var choice = $("definitions").value;
    if (!choice) { modeler.importXML(EMPTY); return; }
    var parts = choice.split("/");
    call(bar.getAttribute("data-xml-url") + "/" + encodeURIComponent(parts[0]) + "/" + parts[1] + ".bpmn")
      .then(function (response) {
        if (!response.ok) throw new Error((en ? "opening failed (" : "openen mislukt (") + response.status + ")");
        return response.text();
      })
      .then(function (xml) { return modeler.importXML(xml); })
      .then(function () { $("filename").value = parts[2]; status(parts[0] + " v" + parts[1] + (en ? " opened" : " geopend"), "ok"); })
      .catch(function (error) { status(String(error.message || error), "error"); });
  });
  function send(dryRun) {
    modeler.saveXML({ format: true }).then(function (saved) {
      var form = new FormData();
      form.append("files", new Blob([saved.xml], { type: "application/xml" }), $("filename").value);
      Array.prototype.forEach.call($("extra").files, function (file) { form.append("files", file, file.name); });
      form.append("dryRun", dryRun);
      form.append("requireTests", $("requireTests").checked);
      return call(bar.getAttribute("data-deploy-url"), { method: "POST", body: form });
    }).then(function (response) {
      return response.json().catch(function () { return { detail: String(response.status) }; }).then(function (body) {
        show(body.findings || []);
        if (response.ok) {
          var created = (body.created || []).map(function (c) { return c.key + " v" + c.version; }).join(", ");
          if (dryRun) status((en ? "valid" : "geldig") + (created ? (en ? " — would create: " : " — zou maken: ") + created : (en ? " — no change" : " — geen wijziging")), "ok");
          else status((en ? "deployed: " : "gedeployed: ") + (created || (en ? "nothing changed" : "niets gewijzigd")), "ok");
        } else {
          status(body.detail || body.title || String(response.status), "error");
        }
      });
    }).catch(function (error) { status(String(error.message || error), "error"); });
  }
  $("validate").addEventListener("click", function () { send(true); });
  $("deploy").addEventListener("click", function () { send(false); });
  modeler.importXML(EMPTY);
  loadDefinitions();
})();
