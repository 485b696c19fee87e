// The learner import's dry run; loaded as a file because the CSP forbids inline JS.
(function () {
  "use strict";

  // The import button imports the file as the page shows it. Once a column's choice is
  // changed, the page no longer shows that: offer only "check again" until it is done.
  var mapping = document.getElementById("df-mapping");
  var confirm = document.querySelector("form.df-confirm");
  if (!mapping || !confirm) {
    return;
  }
  var button = confirm.querySelector("button[type=submit]");
  var hint = confirm.querySelector(".df-confirm-hint");
  var recheck = mapping.querySelector("button[type=submit]");
  mapping.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      button.disabled = true;
      if (hint) {
        hint.classList.remove("d-none");
      }
      recheck.classList.remove("btn-outline-primary");
      recheck.classList.add("btn-primary");
    });
  });
})();
