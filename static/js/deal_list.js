// The deal list: «отметить все» and the number of ticked deals in the bulk panel. Without it
// each box is ticked by hand and the panel still works.
(function () {
  function boxes() {
    return document.querySelectorAll('input[name="deals"][form="deal-bulk"]');
  }
  function count() {
    const picked = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
    document.querySelectorAll("[data-picked-count]").forEach(function (el) { el.textContent = picked; });
    const all = document.querySelector("[data-pick-all]");
    if (all) {
      all.checked = picked > 0 && picked === boxes().length;
      all.indeterminate = picked > 0 && picked < boxes().length;
    }
    const panel = document.querySelector("[data-bulk]");
    if (panel && picked > 0) { panel.open = true; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-pick-all]")) {
      boxes().forEach(function (b) { b.checked = event.target.checked; });
    }
    if (event.target.matches("[data-pick-all], input[name='deals'][form='deal-bulk']")) { count(); }
  });
  document.addEventListener("DOMContentLoaded", count);
})();
