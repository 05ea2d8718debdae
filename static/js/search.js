// The top bar's search: results appear under the box as one types (htmx asks /search/),
// arrow keys move through them, Enter opens the chosen one (or, with none chosen, the page
// of all results), Escape closes the list. «/» anywhere else puts the cursor in the box.
(function () {
  "use strict";

  function parts() {
    const input = document.querySelector("[data-search-input]");
    return input ? { input: input, list: document.getElementById("search-dropdown") } : null;
  }

  function hits(list) { return Array.prototype.slice.call(list.querySelectorAll("[data-search-hit]")); }

  function setOpen(p, open) {
    p.list.classList.toggle("show", open);
    p.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { p.input.removeAttribute("aria-activedescendant"); }
  }

  function choose(p, index) {
    const all = hits(p.list);
    all.forEach(function (hit, i) {
      hit.classList.toggle("active", i === index);
      hit.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && all[index]) {
      p.input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function current(p) { return hits(p.list).findIndex(function (h) { return h.classList.contains("active"); }); }

  document.addEventListener("keydown", function (event) {
    const p = parts();
    if (!p) { return; }
    if (event.target !== p.input) {
      const typing = event.target.closest("input, textarea, select, [contenteditable]");
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        p.input.focus();
        p.input.select();
      }
      return;
    }
    const all = hits(p.list);
    const open = p.list.classList.contains("show");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) { return; }
      event.preventDefault();
      setOpen(p, true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const at = current(p);
      choose(p, at === -1 ? (step === 1 ? 0 : all.length - 1) : (at + step + all.length) % all.length);
    } else if (event.key === "Enter") {
      const at = current(p);
      if (open && at >= 0) {
        event.preventDefault();
        window.location.assign(all[at].href);
      }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); setOpen(p, false); }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const p = parts();
    if (!p || event.detail.target !== p.list) { return; }
    setOpen(p, p.list.children.length > 0 && document.activeElement === p.input);
    choose(p, -1);
  });

  document.addEventListener("focusin", function (event) {
    const p = parts();
    if (!p) { return; }
    if (event.target === p.input) {
      setOpen(p, p.list.children.length > 0);
    } else if (!p.list.contains(event.target)) {
      setOpen(p, false);
    }
  });

  document.addEventListener("click", function (event) {
    const p = parts();
    if (p && !event.target.closest("[data-search]")) { setOpen(p, false); }
  });
})();
