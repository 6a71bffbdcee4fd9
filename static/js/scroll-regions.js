/* Every table wrapper (.table-wrap) scrolls sideways when its table is wider than the screen.
   A keyboard can only scroll what it can focus (WCAG 2.1.1), and a screen reader announces a
   focused region by its name: so each wrapper becomes a focusable region named by its table
   (the caption, or the table's own aria-labelledby or aria-label). Whether it scrolls depends
   on the width, which changes, so every wrapper is one. Wrappers that carry these attributes in
   their template are left as they are; content swapped in by htmx is done when it settles. */
let captionCount = 0;

function tableName(table) {
  if (!table) return null;
  if (table.getAttribute("aria-labelledby")) {
    return { labelledby: table.getAttribute("aria-labelledby") };
  }
  if (table.getAttribute("aria-label")) return { label: table.getAttribute("aria-label") };
  const caption = table.querySelector(":scope > caption");
  if (!caption || !caption.textContent.trim()) return null;
  if (!caption.id) caption.id = `table-caption-${++captionCount}`;
  return { labelledby: caption.id };
}

function markScrollRegions(root) {
  root.querySelectorAll(".table-wrap:not([role])").forEach((wrap) => {
    const name = tableName(wrap.querySelector("table"));
    if (!name) return;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("tabindex", "0");
    if (name.labelledby) wrap.setAttribute("aria-labelledby", name.labelledby);
    else wrap.setAttribute("aria-label", name.label);
  });
}

document.addEventListener("DOMContentLoaded", () => markScrollRegions(document));
document.addEventListener("htmx:afterSettle", () => markScrollRegions(document));
