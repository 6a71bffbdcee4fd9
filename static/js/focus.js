/* Keep keyboard and screen-reader users where their attention is:
   - a form refused on submit: focus its summary of errors, whose links lead to the fields;
   - after an in-page action replaces a row (cancel, check in, approve, reject, resolve): focus
     the new row, or its error message when it has one, instead of the top of the page. */
function focusErrorSummary() {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return false;
  summary.removeAttribute("data-error-summary");
  summary.focus();
  return true;
}

document.addEventListener("DOMContentLoaded", focusErrorSummary);

document.addEventListener("htmx:afterSettle", () => {
  if (focusErrorSummary()) return;
  const row = document.querySelector("[data-focus-after-swap]");
  if (!row) return;
  row.removeAttribute("data-focus-after-swap");
  (row.querySelector('[role="alert"]') || row).focus();
});

/* A print button ([data-print]) prints the page: wired here, as the Content Security Policy
   allows no script written in the page itself. */
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
