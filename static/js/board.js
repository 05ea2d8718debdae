// The board. A card moves by drag and drop or through its «⋯» menu (one stage menu for the
// whole page: keyboard and phone). The move is posted to the same rules as the deal card's
// stage form; the answer's two columns are swapped in by htmx out of band, so the page is
// not reloaded and keeps its scroll. A lost deal asks for the reason in a dialog; a deal
// with an issued or paid invoice asks first; a refused move puts the card back with the
// reason.
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board) { return; }
  const menu = document.getElementById("stage-menu");
  const lossDialog = document.getElementById("loss-dialog");
  const lossForm = document.getElementById("loss-form");
  const lossFields = document.getElementById("loss-fields");
  const pristineLoss = lossFields.innerHTML;
  const warnDialog = document.getElementById("warn-dialog");
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  const GONE = "Сделка не найдена: возможно, её передали другому менеджеру. Обновите страницу.";
  const OFFLINE = "Перевод не сохранён: нет связи с сервером. Попробуйте ещё раз.";
  let dragged = null;
  let menuCard = null;
  let lossCard = null;

  const columnOf = function (el) { return el.closest(".board-column"); };
  const columnFor = function (stage) { return document.getElementById("column-" + stage); };

  function say(text, failed) {
    const status = document.getElementById("board-status");
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(failed));
  }

  // Drag and drop (mouse)

  board.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".board-card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    dragged = null;
    board.querySelectorAll(".is-drop").forEach(function (c) { c.classList.remove("is-drop"); });
  });
  board.addEventListener("dragover", function (event) {
    const column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    board.querySelectorAll(".is-drop").forEach(function (c) { if (c !== column) { c.classList.remove("is-drop"); } });
    column.classList.add("is-drop");
  });
  board.addEventListener("drop", function (event) {
    const column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.remove("is-drop");
    const card = dragged;
    dragged = null;
    card.classList.remove("is-dragging");
    move(card, column.dataset.stage);
  });

  // The stage menu (keyboard, phone)

  board.addEventListener("click", function (event) {
    const button = event.target.closest(".board-card-menu");
    if (button) {
      event.preventDefault();
      if (menuCard === button.closest(".board-card")) { closeMenu(true); } else { openMenu(button); }
    }
  });

  function openMenu(button) {
    closeMenu(false);
    menuCard = button.closest(".board-card");
    const current = columnOf(menuCard).dataset.stage;
    menu.querySelectorAll("[data-stage]").forEach(function (item) {
      const here = item.dataset.stage === current;
      item.disabled = here;
      item.setAttribute("aria-current", here ? "true" : "false");
    });
    button.setAttribute("aria-expanded", "true");
    menu.classList.add("show");
    const rect = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    const left = Math.max(8, Math.min(rect.right - width, document.documentElement.clientWidth - width - 8));
    menu.style.left = (left + window.scrollX) + "px";
    menu.style.top = (rect.bottom + window.scrollY + 2) + "px";
    const first = menu.querySelector("[data-stage]:not([disabled])");
    if (first) { first.focus(); }
  }

  function closeMenu(refocus) {
    if (!menuCard) { return; }
    const button = menuCard.querySelector(".board-card-menu");
    menu.classList.remove("show");
    if (button) {
      button.setAttribute("aria-expanded", "false");
      if (refocus) { button.focus(); }
    }
    menuCard = null;
  }

  menu.addEventListener("click", function (event) {
    const item = event.target.closest("[data-stage]");
    if (!item || item.disabled || !menuCard) { return; }
    const card = menuCard;
    closeMenu(false);
    move(card, item.dataset.stage);
  });
  menu.addEventListener("keydown", function (event) {
    const items = Array.from(menu.querySelectorAll("[data-stage]:not([disabled])"));
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(at + step + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeMenu(true);
    } else if (event.key === "Tab") {
      closeMenu(true);
    }
  });
  document.addEventListener("click", function (event) {
    if (menuCard && !menu.contains(event.target) && !event.target.closest(".board-card-menu")) { closeMenu(false); }
  });

  // Moving

  function move(card, stage) {
    const from = columnOf(card);
    const to = columnFor(stage);
    if (!from || !to || from === to) { return; }
    const kind = to.dataset.kind;
    const backwards = kind === "lost" ||
      (kind === "open" && (from.dataset.kind !== "open" || Number(to.dataset.order) < Number(from.dataset.order)));
    const go = function () {
      if (kind === "lost") { askLoss(card, to); } else { send(card, to, null); }
    };
    if (card.dataset.warning && backwards && !card.dataset.confirmed) {
      confirmFirst(card, card.dataset.warning, go);
    } else {
      go();
    }
  }

  function confirmFirst(card, text, then) {
    document.getElementById("warn-dialog-text").textContent = text;
    warnDialog.returnValue = "";
    warnDialog.addEventListener("close", function onClose() {
      warnDialog.removeEventListener("close", onClose);
      if (warnDialog.returnValue === "confirm") {
        card.dataset.confirmed = "1";
        then();
      } else {
        focusCard(card);
      }
    });
    warnDialog.showModal();
  }

  function payload(card, to, form) {
    const data = form ? new FormData(form) : new FormData();
    data.set("stage", to.dataset.stage);
    data.set("from_stage", columnOf(card).dataset.stage);
    if (card.dataset.confirmed) { data.set("confirmed", "1"); }
    board.querySelectorAll(".board-column:not(.is-collapsed)").forEach(function (column) {
      if (column.dataset.kind !== "open") { data.append("expanded", column.dataset.stage); }
    });
    return data;
  }

  function post(card, data) {
    let url = board.dataset.moveUrl.replace("/0/", "/" + card.dataset.deal + "/");
    if (board.dataset.query) { url += "?" + board.dataset.query; }
    const init = {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: Object.assign({ "HX-Request": "true" }, headers),
    };
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        const plain = (response.headers.get("content-type") || "").indexOf("text/plain") === 0;
        return { status: response.status, text: text, reason: plain ? text : "" };
      });
    }, function () { return { status: 0, text: "", reason: OFFLINE }; });
  }

  function send(card, to, form) {
    const home = { parent: card.parentNode, next: card.nextSibling };
    const data = payload(card, to, form);
    clearFailure(card);
    if (!form) {
      // Shown in its new column at once; put back if the server refuses.
      const body = to.querySelector(".board-column-body");
      const empty = body.querySelector(".board-empty");
      if (empty) { empty.remove(); }
      if (!to.classList.contains("is-collapsed")) { body.insertBefore(card, body.firstChild); } else { card.hidden = true; }
    }
    card.classList.add("is-pending");
    return post(card, data).then(function (answer) {
      card.classList.remove("is-pending");
      if (answer.status === 200) {
        if (form) { lossDialog.close(); }
        swapColumns(answer.text, card.dataset.deal);
        return;
      }
      putBack(card, home, to);
      if (answer.status === 400 && form) {
        htmx.swap(lossFields, answer.text, { swapStyle: "innerHTML" });
        const invalid = lossFields.querySelector(".is-invalid");
        if (invalid) { invalid.focus(); }
        return;
      }
      if (answer.status === 409) {
        if (form) { lossDialog.close(); }
        confirmFirst(card, answer.reason, function () {
          if (form) { lossDialog.showModal(); send(card, to, form); } else { send(card, to, null); }
        });
        return;
      }
      if (form) { lossDialog.close(); }
      fail(card, answer.reason || (answer.status === 404 ? GONE : OFFLINE));
    });
  }

  function putBack(card, home, to) {
    card.hidden = false;
    if (home.parent && card.parentNode !== home.parent) {
      home.parent.insertBefore(card, home.next && home.next.parentNode === home.parent ? home.next : null);
    }
    const body = to.querySelector(".board-column-body");
    if (body && !body.querySelector(".board-card") && !body.querySelector(".board-empty, .board-drop-hint")) {
      const empty = document.createElement("p");
      empty.className = "board-empty small text-muted mb-0";
      empty.textContent = "Пусто";
      body.insertBefore(empty, body.firstChild);
    }
  }

  function clearFailure(card) {
    card.classList.remove("is-failed");
    const old = card.querySelector(".board-card-error");
    if (old) { old.remove(); }
  }

  function fail(card, reason) {
    clearFailure(card);
    delete card.dataset.confirmed;
    const note = document.createElement("p");
    note.className = "board-card-error";
    note.setAttribute("role", "alert");
    note.textContent = reason;
    card.appendChild(note);
    card.classList.add("is-failed");
    say("Сделка не перенесена. " + reason, true);
    focusCard(card);
  }

  function focusCard(card) {
    const button = card.querySelector(".board-card-menu");
    if (button && document.body.contains(button)) { button.focus({ preventScroll: true }); }
  }

  function swapColumns(html, dealId) {
    const left = board.scrollLeft;
    const top = window.scrollY;
    const scrolls = {};
    board.querySelectorAll(".board-column-body").forEach(function (body) { scrolls[body.id] = body.scrollTop; });
    htmx.swap(board, html, { swapStyle: "none" });
    board.scrollLeft = left;
    window.scrollTo(window.scrollX, top);
    Object.keys(scrolls).forEach(function (id) {
      const body = document.getElementById(id);
      if (body) { body.scrollTop = scrolls[id]; }
    });
    const status = document.getElementById("board-status");
    if (status) { status.classList.remove("is-error"); }
    const moved = document.getElementById("deal-" + dealId);
    if (moved) { focusCard(moved); }
  }

  // The loss dialog: empty on every open; errors come only from the server, after submitting.

  function askLoss(card, to) {
    lossCard = { card: card, to: to };
    lossFields.innerHTML = pristineLoss;
    lossForm.elements.stage.value = to.dataset.stage;
    document.getElementById("loss-dialog-deal").textContent = card.dataset.title || "";
    lossDialog.showModal();
    const first = lossFields.querySelector("select, textarea");
    if (first) { first.focus(); }
  }

  lossForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!lossCard) { return; }
    send(lossCard.card, lossCard.to, lossForm);
  });
  lossForm.querySelector("[data-close]").addEventListener("click", function () { lossDialog.close(); });
  lossDialog.addEventListener("close", function () {
    if (lossCard && !lossDialog.open) {
      const card = lossCard.card;
      window.setTimeout(function () { if (!lossDialog.open) { focusCard(card); } }, 0);
    }
  });

  // Filters apply as soon as they change.
  const filters = document.querySelector(".board-filters");
  if (filters) {
    filters.addEventListener("change", function () { filters.requestSubmit(); });
  }
})();
