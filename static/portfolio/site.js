// Behaviour every page shares (templates/base.html). Pages run no inline script and no event-handler
// attribute (the Content-Security-Policy allows neither): what they need is attached here.
(function () {
  // The language menu switches as soon as a language is chosen (the button beside it is for pages
  // read without JavaScript).
  document.querySelectorAll("#language-form select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A table that scrolls sideways (a phone, a long English header) must be reachable by keyboard
  // (WCAG 2.1.1): its scroll container joins the tab order, named by the table's caption.
  function reachable() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        const caption = box.querySelector("caption");
        if (caption && !box.hasAttribute("aria-label")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", caption.textContent.trim());
        }
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }
  reachable();
  window.addEventListener("resize", reachable);
})();
