// Requisites forms (clients and the seller): show the fields of the chosen type, suggest
// the genitive of the signatory's name and position, add bank account rows, fill a bank
// account from its БИК and offer a company's details by its ИНН (DaData, when set up).
// Without this script every field is shown, the server ignores those of other types and
// fills an account's bank from its БИК itself.
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
    // The fields this legal form must fill in carry their mark before the form is sent.
    form.querySelectorAll("[data-required-kinds]").forEach(function (el) {
      const required = kind !== "" && el.getAttribute("data-required-kinds").split(" ").indexOf(kind) !== -1;
      el.classList.toggle("field-required", required);
      el.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (required) { input.setAttribute("aria-required", "true"); } else { input.removeAttribute("aria-required"); }
      });
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

  // A small note under a field: the answer of a lookup, or why it found nothing.
  function note(input, text, kind) {
    let el = input.parentNode.querySelector("[data-live-note]");
    if (!text) {
      if (el) { el.remove(); }
      input.classList.remove("is-invalid");
      return;
    }
    if (!el) {
      el = document.createElement("div");
      el.setAttribute("data-live-note", "");
      input.insertAdjacentElement("afterend", el);
    }
    el.className = kind === "error" ? "invalid-feedback d-block" : "form-text";
    el.textContent = text;
    input.classList.toggle("is-invalid", kind === "error");
  }

  function later(input, action) {
    clearTimeout(input.crmTimer);
    input.crmTimer = setTimeout(action, 300);
  }

  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return null; });
      })
      .catch(function () { return null; });
  }

  // Fill a value unless the person typed their own there (the last suggestion may change).
  function suggest(field, value) {
    if (!field) { return; }
    if (field.value && field.value !== field.getAttribute("data-suggested")) { return; }
    field.value = value;
    field.setAttribute("data-suggested", value);
  }

  function lookUpBank(input) {
    const form = input.closest("form[data-client-form]");
    const url = form && form.getAttribute("data-bank-url");
    const bik = input.value.replace(/[\s-]/g, "");
    if (!url || bik.length !== 9) { note(input, ""); return; }
    later(input, function () {
      getJSON(url + "?bik=" + encodeURIComponent(bik)).then(function (data) {
        if (!data || input.value.replace(/[\s-]/g, "") !== bik) { return; }
        if (data.error) { note(input, data.error, "error"); return; }
        note(input, "");
        if (!data.loaded) { return; }
        const row = input.closest(".bank-account-form") || form;
        suggest(row.querySelector("[data-bank-name]"), data.bank_name);
        // The directory's correspondent account is the right one: it replaces a typed one.
        const account = row.querySelector("[data-correspondent-account]");
        if (account) { account.value = data.correspondent_account; }
      });
    });
  }

  function offerButton(offer, source) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "list-group-item list-group-item-action";
    const title = document.createElement("strong");
    title.textContent = offer.title;
    button.appendChild(title);
    if (offer.status) {
      const status = document.createElement("span");
      status.className = "badge text-bg-danger ms-2";
      status.textContent = offer.status;
      button.appendChild(status);
    }
    const details = document.createElement("div");
    details.className = "small text-muted";
    details.textContent = offer.details;
    button.appendChild(details);
    button.addEventListener("click", function () { fillParty(source, offer.fields); });
    return button;
  }

  function fillParty(source, fields) {
    const form = source.closest("form[data-client-form]");
    const prefix = source.name.slice(0, source.name.length - "inn".length);
    Object.keys(fields).forEach(function (name) {
      const value = fields[name];
      const field = name === "kind" ?
        form.querySelector('[name="' + prefix + 'kind"][value="' + value + '"]') :
        form.querySelector('[name="' + prefix + name + '"]');
      if (!field) { return; }
      if (field.type === "radio") { field.checked = true; } else { field.value = value; }
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
    showOffers(source, []);
    note(source, "Реквизиты заполнены по данным DaData — проверьте их перед сохранением.");
  }

  function showOffers(source, offers) {
    let box = source.parentNode.querySelector("[data-party-offers]");
    if (box) { box.remove(); }
    if (!offers.length) { return; }
    box = document.createElement("div");
    box.className = "list-group my-1";
    box.setAttribute("data-party-offers", "");
    offers.forEach(function (offer) { box.appendChild(offerButton(offer, source)); });
    source.insertAdjacentElement("afterend", box);
  }

  function lookUpParty(source) {
    const form = source.closest("form[data-client-form]");
    const url = form && form.getAttribute("data-party-url");
    const inn = source.value.replace(/[\s-]/g, "");
    // An individual's ИНН is personal data: it is not sent to DaData (which knows only
    // organisations and sole proprietors anyway).
    if (!url || kindOf(form) === "person" || (inn.length !== 10 && inn.length !== 12)) {
      showOffers(source, []);
      note(source, "");
      return;
    }
    later(source, function () {
      getJSON(url + "?inn=" + encodeURIComponent(inn)).then(function (data) {
        if (source.value.replace(/[\s-]/g, "") !== inn) { return; }
        const offers = (data && data.offers) || [];
        showOffers(source, offers);
        if (!data) {
          note(source, "DaData сейчас не отвечает — заполните реквизиты вручную.");
        } else if (data.note) {
          note(source, data.note);
        } else {
          note(source, offers.length ? "Нажмите на организацию, чтобы заполнить реквизиты." : "");
        }
      });
    });
  }

  document.addEventListener("input", function (event) {
    const target = event.target;
    if (!target.closest("form[data-client-form]")) { return; }
    if (target.matches("[data-bik]")) { lookUpBank(target); }
    if (target.matches("[data-party-source]")) { lookUpParty(target); }
  });

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
