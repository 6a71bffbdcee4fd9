/* Every table wrapper (.table-wrap) scrolls sideways when its table is wider than the screen.
   A keyboard can only scroll what it can focus (WCAG 2.1.1), and a screen reader announces a
   focused region by its name: so each wrapper becomes a focusable region named by its table
   (the caption, or the table's own aria-labelledby or aria-label). Whether it scrolls depends
   on the width, which changes, so every wrapper is one. Wrappers that carry these attributes in
   their template are left as they are; content swapped in by htmx is done when it settles.
   A wrapper that does scroll at the current width is marked "scrolls" (the CSS shades the edge
   that hides columns), and the hint it is described by (aria-describedby, .scroll-hint) shows. */
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

function markScrolling() {
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("scrolls", scrolls);
    (wrap.getAttribute("aria-describedby") || "").split(" ").forEach((id) => {
      const hint = id && document.getElementById(id);
      if (hint && hint.classList.contains("scroll-hint")) hint.hidden = !scrolls;
    });
  });
}

function markAll() {
  markScrollRegions(document);
  markScrolling();
}

let resizing = 0;
document.addEventListener("DOMContentLoaded", markAll);
document.addEventListener("htmx:afterSettle", markAll);
window.addEventListener("resize", () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(markScrolling);
});
