// Progress of the report batches; loaded as a file because the CSP forbids inline JS.
// Without JavaScript the page still works: its "Vernieuwen" link reloads the same figures.
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var VARIANTS = { queued: "secondary", running: "primary", done: "success", failed: "danger" };
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-batch-progress]"));
  if (!rows.length || !window.fetch) {
    return;
  }

  function show(row, progress) {
    var bar = row.querySelector("[data-role=bar]");
    var done = row.querySelector("[data-role=done]");
    var total = row.querySelector("[data-role=total]");
    var status = row.querySelector("[data-role=status]");
    var stalled = row.querySelector("[data-role=stalled]");
    if (bar) {
      bar.setAttribute("aria-valuemax", String(progress.total));
      bar.setAttribute("aria-valuenow", String(progress.done));
      var fill = bar.querySelector("[data-role=fill]");
      if (fill) {
        fill.setAttribute("width", progress.percent + "%");
      }
    }
    if (done) {
      done.textContent = String(progress.done);
    }
    if (total) {
      total.textContent = String(progress.total);
    }
    if (status) {
      status.textContent = progress.status_label;
      status.className = "badge rounded-pill text-bg-" + (VARIANTS[progress.status] || "secondary");
    }
    if (stalled) {
      stalled.classList.toggle("d-none", !progress.waiting_too_long);
    }
  }

  function poll() {
    Promise.all(rows.map(function (row) {
      return fetch(row.getAttribute("data-batch-progress"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (progress) {
          if (!progress) {
            return false;
          }
          show(row, progress);
          return progress.finished;
        })
        .catch(function () { return false; });
    })).then(function (finished) {
      if (finished.some(Boolean)) {
        // The server renders the download link (or the error) of a finished batch.
        window.location.reload();
        return;
      }
      window.setTimeout(poll, INTERVAL_MS);
    });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
