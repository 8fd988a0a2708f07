/* Today's keyboard shortcuts: j / k move between items, d = done, s = snooze until tomorrow,
 * ? = the help dialog. Loaded only on Today; the page works without it (every action is a
 * plain form button), and no key fires while the user types in a field.
 */
(function () {
  "use strict";

  var current = null;

  // After htmx swaps a done item for its closed line, the position is kept by the item's id.
  function move(step) {
    var all = document.querySelectorAll("li.followup");
    var index = -1;
    for (var n = 0; current && n < all.length; n++) {
      if (all[n].id === current.id) index = n;
    }
    var i = index === -1 ? (step > 0 ? -1 : all.length) : index;
    for (i += step; i >= 0 && i < all.length; i += step) {
      if (all[i].hasAttribute("data-followup")) {
        select(all[i]);
        return;
      }
    }
  }

  function select(item) {
    if (current) current.removeAttribute("aria-current");
    current = item;
    item.setAttribute("aria-current", "true");
    item.focus();
  }

  // d and s press the item's own form button, so htmx (or a plain POST) does the rest.
  function press(key) {
    if (!current || !document.body.contains(current)) return;
    var button = current.querySelector('button[data-key="' + key + '"]');
    if (button) button.click();
  }

  function typing(target) {
    return (
      target.isContentEditable ||
      (target.closest && target.closest("input, textarea, select, [contenteditable]"))
    );
  }

  function help() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog || !dialog.showModal) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var dialog = document.getElementById("shortcut-help");
    if (dialog && dialog.open && event.key !== "?") return;
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      d: function () { press("done"); },
      s: function () { press("snooze"); },
      "?": help,
    };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // A click on an item makes it the current one, so d and s act on what the user sees.
  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest("li[data-followup]");
    if (item) {
      if (current) current.removeAttribute("aria-current");
      current = item;
      item.setAttribute("aria-current", "true");
    }
  });
})();
