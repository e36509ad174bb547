/* Behaviour that templates declare with data-* attributes, so that no page needs an inline
   script or event handler (the Content-Security-Policy allows scripts from 'self' only).

   data-confirm="Question?"   on a form (asked on submit) or a submit button (asked on click):
                               the action runs only if the user confirms.
   data-autosubmit            on a select or input: a change submits its form.
   data-print                 on a button: opens the print dialog.
   data-auto-print            anywhere on a page: opens the print dialog once the page loaded.
   data-remove-closest="sel"  on a button: removes its closest ancestor matching the selector.
*/
(function () {
  "use strict";

  function refuse(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  // Capture phase: the question comes before htmx or any other listener sees the event.
  document.addEventListener(
    "click",
    function (event) {
      var target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      var button = target.closest("button[data-confirm], input[type=submit][data-confirm]");
      if (button && !window.confirm(button.dataset.confirm)) {
        refuse(event);
        return;
      }
      var printer = target.closest("[data-print]");
      if (printer) {
        event.preventDefault();
        window.print();
        return;
      }
      var remover = target.closest("[data-remove-closest]");
      if (remover) {
        var block = remover.closest(remover.dataset.removeClosest);
        if (block) block.remove();
      }
    },
    true
  );

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm !== undefined) {
        if (!window.confirm(form.dataset.confirm)) refuse(event);
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof Element && field.matches("[data-autosubmit]") && field.form) {
      if (typeof field.form.requestSubmit === "function") {
        field.form.requestSubmit();
      } else {
        field.form.submit();
      }
    }
  });

  window.addEventListener("load", function () {
    if (document.querySelector("[data-auto-print]")) window.print();
  });
})();
