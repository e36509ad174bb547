/*
 * Type-ahead pickers (crm.widgets.SearchSelect): every <select data-search-url> becomes a Tom
 * Select box that asks the server for the first matches of what is typed. The select holds only
 * the selected option(s); the labels of the box come from data- attributes (translated by
 * Django). Keyboard: type, ArrowDown/ArrowUp, Enter; Backspace clears.
 * Initialised on page load and on every htmx swap (htmx:load); never twice on one element.
 */
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  function searchUrl(select, query) {
    var url = new URL(select.dataset.searchUrl, window.location.href);
    url.searchParams.set("q", query);
    // data-search-forward="param:field,…": send the current value of other fields of the form.
    (select.dataset.searchForward || "").split(",").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length !== 2 || !select.form) {
        return;
      }
      var other = select.form.elements.namedItem(parts[1]);
      if (other && other.value) {
        url.searchParams.set(parts[0], other.value);
      }
    });
    return url;
  }

  function initialise(select) {
    if (select.tomselect || typeof window.TomSelect === "undefined") {
      return;
    }
    var noResults = select.dataset.noResults || "";
    var loading = select.dataset.loading || "";
    var box = new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      maxOptions: 20,
      loadThrottle: 200,
      placeholder: select.dataset.placeholder || "",
      plugins: select.multiple ? ["remove_button"] : [],
      // The server has searched (name, e-mail, phone, city …): keep its order, filter nothing.
      score: function () {
        return function () {
          return 1;
        };
      },
      load: function (query, callback) {
        var self = this;
        fetch(searchUrl(select, query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (data) {
            self.clearOptions();
            callback(data.results || []);
          })
          .catch(function () {
            callback();
          });
      },
      render: {
        option: function (item, escape) {
          var hint = item.hint ? '<small class="text-body-secondary ms-2">' + escape(item.hint) + "</small>" : "";
          return "<div>" + escape(item.text) + hint + "</div>";
        },
        item: function (item, escape) {
          return "<div>" + escape(item.text) + "</div>";
        },
        no_results: function () {
          return '<div class="no-results">' + escapeHtml(noResults) + "</div>";
        },
        loading: function () {
          return '<div class="spinner-border spinner-border-sm m-2" role="status"><span class="visually-hidden">' + escapeHtml(loading) + "</span></div>";
        },
      },
    });
    // Typing in the box must not count as input of an htmx filter form (hx-trigger="input"):
    // only a picked value (the select's own input/change events) should.
    box.control_input.addEventListener("input", function (event) {
      event.stopPropagation();
    });
  }

  function initialiseWithin(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches("select[data-search-url]")) {
      initialise(root);
    }
    root.querySelectorAll("select[data-search-url]").forEach(initialise);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      initialiseWithin(document);
    });
  } else {
    initialiseWithin(document);
  }
  document.addEventListener("htmx:load", function (event) {
    initialiseWithin(event.detail && event.detail.elt);
  });
})();
