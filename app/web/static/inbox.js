// Keep filter URLs short and readable: leave empty filter fields out of the query string.
(function () {
  "use strict";
  var form = document.querySelector(".filter-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.value === "" || (field.name === "order" && field.value === "asc") ||
          (field.name === "sort" && field.value === "due")) {
        field.disabled = true;
      }
    });
  });
})();
