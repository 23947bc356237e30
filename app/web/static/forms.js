// Repeating groups (e.g. the network): add and remove rows. Without JavaScript the form still
// works with the rows the server drew (the filled ones plus one empty row).
(function () {
  "use strict";

  function renumber(group) {
    // Keep input names dense and in order: netwerk.0.naam, netwerk.1.naam, ...
    var base = group.getAttribute("data-repeat");
    var rows = group.querySelectorAll(":scope > ol > .repeat-row");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[name]").forEach(function (input) {
        var rest = input.name.slice(base.length + 1).replace(/^[^.]+/, String(index));
        input.name = base + "." + rest;
      });
    });
  }

  function wireRemove(group, button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var row = button.closest(".repeat-row");
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(group);
      var focusTarget = next ? next.querySelector("input, select, textarea") : group.querySelector(".add-row");
      if (focusTarget) focusTarget.focus();
    });
  }

  document.querySelectorAll("[data-repeat]").forEach(function (group) {
    var template = group.querySelector(":scope > template.repeat-template");
    var list = group.querySelector(":scope > ol.repeat-rows");
    var add = group.querySelector(":scope > .add-row");
    if (!template || !list || !add) return;
    list.querySelectorAll(":scope > .repeat-row > .remove-row").forEach(function (b) { wireRemove(group, b); });
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = list.children.length;
      var html = template.innerHTML.split("__i__").join(String(index));
      list.insertAdjacentHTML("beforeend", html);
      var row = list.lastElementChild;
      wireRemove(group, row.querySelector(".remove-row"));
      var first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  });

  // After a failed submit, move focus to the summary so keyboard and screen-reader users know.
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
