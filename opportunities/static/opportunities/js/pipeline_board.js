// Pipeline board: drag a card to another stage column (SortableJS). The drop posts to the
// same view as the card's Move form (same service, same rules); the response is the whole
// board re-rendered from the database, so a refused move shows its message and the card is
// back in its column. No inline script: the CSP allows only files.
(function () {
  "use strict";

  function initBoard(root) {
    const board = root.id === "board" ? root : root.querySelector && root.querySelector("#board");
    if (!board || typeof Sortable === "undefined") return;
    board.querySelectorAll("ul[data-stage]").forEach((list) => {
      if (Sortable.get(list)) return;
      Sortable.create(list, {
        group: "pipeline",
        draggable: ".pipeline-card",
        filter: "a, select, button, input",
        preventOnFilter: false,
        animation: 150,
        forceFallback: true, // pointer events: the same on every browser and in tests
        onEnd(event) {
          if (event.from === event.to) return;
          htmx.ajax("POST", board.dataset.moveUrl, {
            source: board,
            target: "#board",
            swap: "outerHTML",
            values: {
              opportunity: event.item.dataset.opportunity,
              to_stage: event.to.dataset.stage,
              cycle: board.dataset.cycle,
            },
          });
        },
      });
    });
  }

  document.addEventListener("change", (event) => {
    const select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // htmx may load after this file (defer): listen to its event rather than call htmx.onLoad.
  document.addEventListener("htmx:load", (event) => initBoard(event.detail.elt));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => initBoard(document.body));
  } else {
    initBoard(document.body);
  }
})();
