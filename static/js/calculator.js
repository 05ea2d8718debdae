// The calculator page: recompute the totals once a new row is in the table. The row's own
// request cannot announce it, because the catalog list that held its button may have been
// replaced by a newer search by then.
document.addEventListener("htmx:afterSettle", function (event) {
  const target = event.detail && event.detail.target;
  if (target && target.id === "calc-lines") {
    htmx.trigger("#calc-form", "calc-changed");
  }
});
