// On a phone the tables stack their cells (app.css): give each cell its column heading, shown before its
// value, so "25000" reads "Personnes : 25000". Pages work the same without it; nothing else runs here.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table")) {
    const headings = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim());
    if (!headings.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.children).forEach((cell, index) => {
        const heading = headings[index];
        if (heading && cell.tagName === "TD" && !cell.dataset.label && cell.colSpan === 1) {
          cell.dataset.label = heading;
        }
      });
    }
  }
});
