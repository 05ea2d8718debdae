// Requisites forms (clients and the seller): show the fields of the chosen type, suggest
// the genitive of the signatory's name and position, add bank account rows. Without this
// script every field is shown and the server ignores those of other types.
(function () {
  if (window.crmClientForm) { window.crmClientForm.refresh(document); return; }

  function kindOf(form) {
    const checked = form.querySelector("[data-kind-switch]:checked") ||
      form.querySelector("select[data-kind-switch]");
    return checked ? checked.value : "";
  }

  function showKinds(form) {
    const kind = kindOf(form);
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      el.hidden = kind !== "" && el.getAttribute("data-kinds").split(" ").indexOf(kind) === -1;
    });
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      const rule = el.getAttribute("data-show-when").split(":");
      const source = form.querySelector('[data-show-source="' + rule[0] + '"]');
      if (source && !el.closest("[hidden]")) { el.hidden = source.value !== rule[1]; }
    });
  }

  function refresh(root) {
    root.querySelectorAll("form[data-client-form]").forEach(showKinds);
  }

  function suggestGenitive(source) {
    const form = source.closest("form[data-client-form]");
    const what = source.getAttribute("data-genitive-source");
    const target = form && form.querySelector('[data-genitive-target="' + what + '"]');
    if (!target || !source.value.trim()) { return; }
    // Only fill a field the person has not typed into themselves.
    if (target.value && target.value !== target.getAttribute("data-suggested")) { return; }
    const url = form.getAttribute("data-genitive-url") + "?what=" + encodeURIComponent(what) +
      "&value=" + encodeURIComponent(source.value.trim());
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.value) {
          target.value = data.value;
          target.setAttribute("data-suggested", data.value);
          markUnsure(target, !data.sure);
        }
      });
  }

  // A genitive the grammar only guessed («Ким Саша») is marked under its field.
  function markUnsure(target, unsure) {
    let note = target.parentNode.querySelector("[data-genitive-check]");
    if (!unsure) { if (note) { note.remove(); } return; }
    if (!note) {
      note = document.createElement("div");
      note.className = "form-text text-warning";
      note.setAttribute("data-genitive-check", "");
      target.insertAdjacentElement("afterend", note);
    }
    note.textContent = "Проверьте склонение: подобрано автоматически, исправьте, если нужно.";
  }

  function addAccount(button) {
    const prefix = button.getAttribute("data-formset-add");
    const form = button.closest("form");
    const template = form.querySelector('template[data-formset-template="' + prefix + '"]');
    const list = form.querySelector('[data-formset-list="' + prefix + '"]');
    const total = form.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    if (!template || !list || !total) { return; }
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    const form = target.closest("form[data-client-form]");
    if (!form) { return; }
    if (target.matches("[data-kind-switch], [data-show-source]")) { showKinds(form); }
    if (target.matches("[data-genitive-source]")) { suggestGenitive(target); }
    if (target.matches("[data-default-account]") && target.checked) {
      // One default account: ticking one unticks the others.
      form.querySelectorAll("[data-default-account]").forEach(function (other) {
        if (other !== target) { other.checked = false; }
      });
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-formset-add]");
    if (button) { event.preventDefault(); addAccount(button); }
  });
  // Forms that htmx puts into the page later (the deal card's client panel after a pick or
  // with errors) are set up as they arrive; htmx's own events fire on the replaced element.
  new MutationObserver(function (mutations) {
    const added = mutations.some(function (m) {
      return Array.prototype.some.call(m.addedNodes, function (node) {
        return node.nodeType === 1 && (node.matches("form[data-client-form]") ||
          node.querySelector("form[data-client-form]"));
      });
    });
    if (added) { refresh(document); }
  }).observe(document.documentElement, { childList: true, subtree: true });

  window.crmClientForm = { refresh: refresh };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { refresh(document); });
  } else {
    refresh(document);
  }
})();
