// Behaviour of the administration screens; loaded as a file because the CSP forbids inline JS.
(function () {
  "use strict";

  // Ask before irreversible actions: <form data-confirm="Question?">.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // Invitation form: show only the organisation select that the chosen role needs.
  // Without JavaScript every select stays visible and the server ignores the irrelevant ones.
  document.querySelectorAll("form[data-invite-form]").forEach(function (form) {
    var role = form.querySelector("select[name=role]");
    if (!role) {
      return;
    }
    var groups = form.querySelectorAll("[data-for-roles]");
    function update() {
      groups.forEach(function (group) {
        var roles = group.getAttribute("data-for-roles").split(" ");
        group.classList.toggle("d-none", roles.indexOf(role.value) === -1);
      });
    }
    role.addEventListener("change", update);
    update();
  });
})();
