// Behaviour shared by every signed-in page: the "+" send panel opens and closes like a menu; the badges
// of the plugins' links show their counts.

import { refreshBadges } from "./badges.js";

const panel = document.querySelector("details.send-panel");
if (panel) {
  document.addEventListener("click", (event) => {
    if (panel.open && !panel.contains(event.target)) panel.open = false;
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.open) {
      panel.open = false;
      panel.querySelector("summary").focus();
    }
  });
  panel.addEventListener("toggle", () => {
    if (panel.open) panel.querySelector(".send-panel-menu a")?.focus();
  });
}

refreshBadges();
