// Contact forms: SET-31 address fill and "+ New" codes (server answers with htmx client events).
(function () {
  if (window.crmContactFormEvents) return;
  window.crmContactFormEvents = true;
  document.body.addEventListener("address-fill", function (event) {
    const prefix = event.detail.prefix || "";
    Object.entries(event.detail.values || {}).forEach(function ([name, value]) {
      const input = document.getElementById("id_" + prefix + name);
      if (input) input.value = value === null ? "" : String(value);
    });
  });
  document.body.addEventListener("click", function (event) {
    const cancel = event.target.closest("[data-remove-closest]");
    if (!cancel) return;
    const box = cancel.closest(cancel.dataset.removeClosest);
    if (box) box.remove();
  });
  document.body.addEventListener("code-created", function (event) {
    const select = document.getElementById(event.detail.target);
    if (!select) return;
    select.add(new Option(event.detail.label, event.detail.value, true, true));
    select.value = String(event.detail.value);
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
