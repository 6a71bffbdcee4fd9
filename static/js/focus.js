/* After an in-page action replaces a row (cancel, check in, approve, reject, resolve), focus
   moves to the new row, or to its error message when it has one, so that keyboard and
   screen-reader users stay where they acted instead of starting again from the top. */
document.addEventListener("htmx:afterSettle", () => {
  const row = document.querySelector("[data-focus-after-swap]");
  if (!row) return;
  row.removeAttribute("data-focus-after-swap");
  (row.querySelector('[role="alert"]') || row).focus();
});
