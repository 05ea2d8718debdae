// The deal card: each folding section remembers, for this user in this browser, whether it
// was folded. Without scripts every section is simply open.
(function () {
  const card = document.querySelector(".deal-card");
  if (!card) { return; }
  const prefix = "crm:u" + card.getAttribute("data-user") + ":deal-panel:";
  function read(key) {
    try { return window.localStorage.getItem(prefix + key); } catch (e) { return null; }
  }
  function write(key, value) {
    try { window.localStorage.setItem(prefix + key, value); } catch (e) { /* private mode */ }
  }
  card.querySelectorAll("details.deal-panel[data-panel]").forEach(function (panel) {
    const key = panel.getAttribute("data-panel");
    // A section with a form sent back with errors stays open whatever was remembered.
    if (read(key) === "closed" && !panel.querySelector(".is-invalid, .alert-danger")) {
      panel.open = false;
    }
    panel.addEventListener("toggle", function () {
      write(key, panel.open ? "open" : "closed");
    });
  });
})();

// On a phone the steps scroll sideways: bring the current one into view.
(function () {
  const steps = document.querySelector("#stage-stepper ol");
  const current = steps && steps.querySelector("[aria-current=step]");
  if (current && steps.scrollWidth > steps.clientWidth) {
    steps.scrollLeft = current.offsetLeft - steps.offsetLeft - 16;
  }
})();
