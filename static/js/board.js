// Drag a card to another column of the board: the card's own move form is submitted with the
// new stage, so the server applies the same rules as the form (losing asks for a reason).
(function () {
  let dragged = null;
  document.querySelectorAll(".board-card[draggable]").forEach(function (card) {
    card.addEventListener("dragstart", function () { dragged = card; card.classList.add("opacity-50"); });
    card.addEventListener("dragend", function () { card.classList.remove("opacity-50"); dragged = null; });
  });
  document.querySelectorAll(".board-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) { event.preventDefault(); column.classList.add("border-primary"); });
    column.addEventListener("dragleave", function () { column.classList.remove("border-primary"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("border-primary");
      if (!dragged || dragged.closest(".board-column") === column) { return; }
      const form = dragged.querySelector("form");
      form.querySelector("select[name=stage]").value = column.getAttribute("data-stage");
      form.requestSubmit();
    });
  });
})();
