// Printable quote: loaded only after the Print button logged the print (?print=1), it opens
// the browser's print dialog once the page is loaded (a file, not an inline script: CSP).
window.addEventListener("load", () => window.print());
