/* Drag and drop on the applications board. Without it every card still moves with its stage
 * menu and button; dropping a card on a column sets that menu and submits the same form,
 * so the server does exactly what the button does (a move to "rejected" asks for its date).
 */
(function () {
  "use strict";

  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest(".board-column") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".application-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".board-column.drop-target").forEach(function (c) {
      c.classList.remove("drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    var form = dragged.querySelector("form.move-form");
    var stage = column.getAttribute("data-stage");
    if (!form || !stage || columnOf(dragged) === column) return;
    form.querySelector("select[name=stage]").value = stage;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });
})();
