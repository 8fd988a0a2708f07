/* Kontaktpflege: the few behaviours beyond htmx, wired by data- attributes.
 *
 * The Content-Security-Policy allows scripts only from our static files, so there is no
 * inline <script>, no onclick/onsubmit and no style attribute in the pages; this file does
 * what those did. Every page still works without it.
 */
(function () {
  "use strict";

  // data-confirm="Question?" on a form or on its submit button: ask before submitting.
  document.addEventListener(
    "submit",
    function (event) {
      var button = event.submitter;
      var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // data-copy-from="field-id" on a button: copy that field's text to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copyFrom);
    if (field && navigator.clipboard) navigator.clipboard.writeText(field.value);
  });

  // data-progress="37" on a progress bar: its width, set through the CSSOM (which the policy
  // allows) instead of a style attribute (which it blocks); again after every htmx swap.
  function sizeProgressBars(root) {
    var bars = root.querySelectorAll ? root.querySelectorAll("[data-progress]") : [];
    for (var i = 0; i < bars.length; i++) {
      bars[i].style.width = Math.max(0, Math.min(100, Number(bars[i].dataset.progress) || 0)) + "%";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    sizeProgressBars(document);
  });
  document.addEventListener("htmx:load", function (event) {
    sizeProgressBars(event.target);
  });
})();
