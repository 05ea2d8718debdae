// The invoice form's «+ Строка»: a copy of the formset's empty row with the next index.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-add-line]");
  if (!button) { return; }
  const prefix = button.getAttribute("data-add-line");
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const template = document.getElementById("invoice-line-template");
  const body = document.getElementById("invoice-lines");
  if (!total || !template || !body) { return; }
  const index = parseInt(total.value, 10) || 0;
  body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
  total.value = String(index + 1);
  const name = body.querySelector('input[name="' + prefix + "-" + index + '-name"]');
  if (name) { name.focus(); }
});
