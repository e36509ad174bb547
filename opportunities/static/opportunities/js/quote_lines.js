// Sales quote edit page: line amount = quantity × unit price, total = sum of line amounts
// (the server computes the same when saving); "Add line" appends an empty formset row.
(function () {
  "use strict";
  const table = document.getElementById("quote-lines");
  if (!table) return;
  const lang = document.documentElement.lang || undefined;
  const money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const cents = (value) => Math.round(value * 100);

  function recompute() {
    let total = 0;
    table.querySelectorAll("tbody [data-quote-line]").forEach((row) => {
      const quantity = parseFloat(row.querySelector("[data-quantity]")?.value || "0") || 0;
      const price = parseFloat(row.querySelector("[data-unit-price]")?.value || "0") || 0;
      const removed = row.querySelector("input[type=checkbox][name$='-DELETE']")?.checked;
      const amount = cents(quantity * price);
      row.querySelector("[data-line-amount]").textContent = money.format(amount / 100);
      if (!removed) total += amount;
    });
    table.querySelector("[data-quote-total]").textContent = money.format(total / 100);
  }

  table.addEventListener("input", recompute);
  table.addEventListener("change", recompute);

  const add = document.getElementById("quote-add-line");
  const template = document.getElementById("quote-line-template");
  const totalForms = document.querySelector(table.dataset.totalForms);
  if (add && template && totalForms) {
    add.addEventListener("click", () => {
      const index = parseInt(totalForms.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      recompute();
    });
  }
  recompute();
})();
