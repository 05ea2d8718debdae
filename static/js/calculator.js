// The calculator page: recompute the totals once a new row is in the table. The row's own
// request cannot announce it, because the catalog list that held its button may have been
// replaced by a newer search by then.
document.addEventListener("htmx:afterSettle", function (event) {
  const target = event.detail && event.detail.target;
  if (target && (target.id === "calc-lines" || target.classList.contains("calc-line"))) {
    htmx.trigger("#calc-form", "calc-changed");
  }
});

// A blank row (nothing typed in its name or price, not from the catalog, not removed).
function blankCalcRow() {
  for (const row of document.querySelectorAll("#calc-lines tr.calc-line")) {
    const value = function (suffix) {
      const input = row.querySelector(`[name$="-${suffix}"]`);
      return input ? input.value.trim() : "";
    };
    const removed = row.querySelector('[name$="-DELETE"]:checked');
    if (!removed && !value("name") && !value("price") && !value("catalog_item")) {
      return row;
    }
  }
  return null;
}

// A pick from the catalog fills the first blank row rather than adding one under it: the
// server answers with the filled row and puts it in the blank one's place.
document.addEventListener("htmx:configRequest", function (event) {
  const elt = event.detail.elt;
  if (!elt.matches || !elt.matches("[data-catalog-pick]")) return;
  const row = blankCalcRow();
  if (row) {
    event.detail.parameters.row = row.id.replace(/^row-lines-/, "");
  }
});

// A row whose amount the server refused marks the field at fault while the manager types;
// so does the discount on the whole calculation.
document.addEventListener("htmx:afterSettle", function () {
  const discount = document.getElementById("id_discount");
  if (discount) {
    const refused = document.getElementById("calc-discount-error") !== null;
    discount.classList.toggle("is-invalid", refused);
    if (refused) discount.setAttribute("aria-invalid", "true"); else discount.removeAttribute("aria-invalid");
  }
  document.querySelectorAll("#calc-lines .calc-line-total").forEach(function (total) {
    const row = total.closest("tr.calc-line");
    if (!row) return;
    const field = total.getAttribute("data-error-field") || "";
    row.querySelectorAll("input, select").forEach(function (input) {
      const name = input.getAttribute("name") || "";
      const faulty = field !== "" && name.endsWith("-" + field);
      if (input.dataset.liveInvalid || faulty) {
        input.classList.toggle("is-invalid", faulty);
        if (faulty) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
        if (faulty) input.dataset.liveInvalid = "1"; else delete input.dataset.liveInvalid;
      }
    });
  });
});
