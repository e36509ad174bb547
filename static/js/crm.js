/* Behaviour that templates declare with data-* attributes, so that no page needs an inline
   script or event handler (the Content-Security-Policy allows scripts from 'self' only).

   data-confirm="Question?"   on a form (asked on submit) or a submit button (asked on click):
                               the action runs only if the user confirms.
   data-autosubmit            on a select or input: a change submits its form.
   data-print                 on a button: opens the print dialog.
   data-auto-print            anywhere on a page: opens the print dialog once the page loaded.
   data-remove-closest="sel"  on a button: removes its closest ancestor matching the selector.
   data-width-mm / data-height-mm  on a label sheet: the size of each label (CSS variables).
   data-percent="42"          on a progress bar: its width (set through the CSSOM, which the
                               style-src 'self' policy allows, unlike a style attribute).
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

  function sizeProgressBars(root) {
    if (!root || typeof root.querySelectorAll !== "function") return;
    var bars = root.querySelectorAll("[data-percent]");
    if (root instanceof Element && root.matches("[data-percent]")) bars = [root].concat(Array.from(bars));
    Array.prototype.forEach.call(bars, function (bar) {
      var percent = Math.max(0, Math.min(100, parseFloat(bar.dataset.percent) || 0));
      bar.style.width = percent + "%";
    });
  }
  function sizeLabels(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table.label-sheet[data-width-mm]"), function (sheet) {
      var width = parseFloat(sheet.dataset.widthMm), height = parseFloat(sheet.dataset.heightMm);
      if (width > 0) sheet.style.setProperty("--label-width", width + "mm");
      if (height > 0) sheet.style.setProperty("--label-height", height + "mm");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    sizeProgressBars(document);
    sizeLabels(document);
  });
  // htmx fires htmx:load on every fragment it swaps in (the job progress polls itself).
  document.addEventListener("htmx:load", function (event) { sizeProgressBars(event.target); });

  window.addEventListener("load", function () {
    if (document.querySelector("[data-auto-print]")) window.print();
  });
})();
