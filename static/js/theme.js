/* Kontaktpflege: light or dark as the system is set, through Bootstrap's data-bs-theme.
 *
 * Loaded in <head> without defer so the page never flashes in the wrong colours; follows the
 * system when it changes. Marks <html> with class "js" so the stylesheet can show the folded
 * navigation open to browsers without JavaScript.
 */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    root.setAttribute("data-bs-theme", dark && dark.matches ? "dark" : "light");
  }
  apply();
  if (dark && dark.addEventListener) dark.addEventListener("change", apply);
})();
