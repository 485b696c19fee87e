// Behaviour of the trajectory screens; loaded as a file because the CSP forbids inline JS.
(function () {
  "use strict";

  // Ask before removing something: <form data-confirm="Question?">.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // New trajectory: the fixed dates box only matters when "fixed dates" is chosen.
  // Without JavaScript the box simply stays visible and the server ignores it.
  document.querySelectorAll("[data-moments-choice]").forEach(function (group) {
    var target = document.getElementById(group.getAttribute("data-moments-choice"));
    if (!target) {
      return;
    }
    var radios = group.querySelectorAll("input[type=radio]");
    function update() {
      var fixed = group.querySelector("input[type=radio][value=fixed]:checked");
      target.classList.toggle("d-none", !fixed);
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });
})();
