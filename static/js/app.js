// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    event.preventDefault();
    navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
      const label = copy.textContent;
      copy.textContent = "Скопировано";
      setTimeout(function () { copy.textContent = label; }, 1500);
    });
  }
  const confirmEl = event.target.closest("[data-confirm]");
  if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  const el = event.target.closest("[data-autosubmit]");
  if (el && el.form) { el.form.requestSubmit(); }
});
