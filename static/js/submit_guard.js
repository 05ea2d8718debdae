// A form that posts shows that its work is under way: the button pressed gets a spinner (and
// its data-busy-label, such as «Выставляем…»), every submit button of the form is disabled,
// and a second click or Enter sends nothing until the answer comes. The buttons come back
// when an htmx answer arrives (a refusal too), when the browser's Back button brings the
// page back from its cache, and a few seconds after a form that downloads a file.
(function () {
  "use strict";

  const SUBMITS = "button:not([type=button]):not([type=reset]), input[type=submit]";
  const DOWNLOAD_BACK_MS = 4000;

  function buttonsOf(form) {
    const buttons = Array.from(form.querySelectorAll(SUBMITS));
    if (form.id) {
      document.querySelectorAll(`[form="${CSS.escape(form.id)}"]`).forEach(function (el) {
        if (el.matches(SUBMITS)) buttons.push(el);
      });
    }
    return buttons;
  }

  function guarded(form) {
    return (
      form instanceof HTMLFormElement &&
      !form.hasAttribute("data-no-busy") &&
      (form.getAttribute("method") || "get").toLowerCase() === "post"
    );
  }

  function markBusy(form, submitter) {
    form.dataset.submitting = "1";
    form.setAttribute("aria-busy", "true");
    for (const button of buttonsOf(form)) {
      button.disabled = true;
      button.dataset.busyDisabled = "1";
    }
    if (submitter && !submitter.querySelector("[data-busy-spinner]")) {
      submitter.classList.add("is-busy");
      const label = submitter.dataset.busyLabel || form.dataset.busyLabel;
      if (label && submitter.tagName === "BUTTON") {
        submitter.dataset.idleLabel = submitter.textContent;
        submitter.textContent = label;
      }
      if (submitter.tagName === "INPUT") {
        submitter.dataset.idleLabel = submitter.value;
        submitter.value = label || "Подождите…";
      } else {
        const spinner = document.createElement("span");
        spinner.className = "spinner-border spinner-border-sm me-1";
        spinner.setAttribute("aria-hidden", "true");
        spinner.dataset.busySpinner = "1";
        submitter.prepend(spinner);
      }
    }
    if (form.hasAttribute("data-download") || /\/export\/?$/.test(form.action)) {
      setTimeout(function () { markIdle(form); }, DOWNLOAD_BACK_MS);
    }
  }

  function markIdle(form) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    for (const button of buttonsOf(form)) {
      if (button.dataset.busyDisabled) {
        button.disabled = false;
        delete button.dataset.busyDisabled;
      }
      button.classList.remove("is-busy");
      button.querySelectorAll("[data-busy-spinner]").forEach(function (el) { el.remove(); });
      if (button.dataset.idleLabel !== undefined) {
        if (button.tagName === "INPUT") button.value = button.dataset.idleLabel;
        else button.textContent = button.dataset.idleLabel;
        delete button.dataset.idleLabel;
      }
    }
  }

  // First, before htmx or anyone: a form already at work sends nothing more.
  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.submitting) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  // Last: a plain post that nobody stopped. Disabling waits for the end of this task, or
  // the button's own name and value would be left out of what the form sends.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (event.defaultPrevented || !guarded(form)) return;
    const submitter = event.submitter;
    setTimeout(function () { markBusy(form, submitter); }, 0);
  });

  // htmx posts: the form (or the form of the button) is busy from the request to its answer.
  function htmxForm(detail) {
    const config = detail.requestConfig || {};
    if ((config.verb || "get").toLowerCase() === "get") return null;
    const elt = detail.elt;
    const trigger = config.triggeringEvent;
    if (elt instanceof HTMLFormElement) {
      return trigger && trigger.type === "submit" ? { form: elt, submitter: trigger.submitter } : null;
    }
    if (elt && elt.matches && elt.matches(SUBMITS)) {
      return { form: elt.form || elt.closest("form"), submitter: elt };
    }
    return null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const found = htmxForm(event.detail);
    if (found && found.form && !found.form.hasAttribute("data-no-busy")) {
      markBusy(found.form, found.submitter);
      event.detail.elt.dataset.busyForm = "1";
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.dataset || !elt.dataset.busyForm) return;
    delete elt.dataset.busyForm;
    const form = elt instanceof HTMLFormElement ? elt : elt.form || elt.closest("form");
    if (form) markIdle(form);
  });

  // Back to a page the browser kept: its forms are ready again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(markIdle);
  });
})();
