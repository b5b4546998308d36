/* Site-wide behaviour (no inline script: the CSP allows only 'self').
   The header menu collapses behind a 「メニュー」 button on narrow screens. Without JavaScript
   the button stays hidden and the menu is shown in full. */
(function () {
  "use strict";
  function initMenu() {
    var toggle = document.querySelector(".site-menu-toggle");
    var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!toggle || !nav) return;
    var header = toggle.closest(".site-header");
    if (header) header.classList.add("site-header--menu");
    toggle.hidden = false;
    function set(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      set(toggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        set(false);
        toggle.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initMenu);
  else initMenu();
})();
