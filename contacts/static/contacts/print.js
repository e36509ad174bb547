// "Print" buttons (data-print) open the browser's print dialog; no inline handlers (CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
