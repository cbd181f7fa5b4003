// Behaviour shared by every signed-in page: the "+" send panel opens and closes like a menu; the badges
// of the plugins' links show their counts (asked once here; pages with a live socket follow them: badges.js);
// the unread count in the title and on the app's icon, desktop notifications and keyboard shortcuts, which
// follow the page's one socket (pageLive: the page's own script shares it).

import { refreshBadges } from "./badges.js";
import { pageLive } from "./live.js";
import { followNotifications } from "./notifications.js";
import { followWaitingSends } from "./send_outbox_flush.js";
import { followShortcuts } from "./shortcuts.js";
import { followUnread } from "./unread.js";

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
// Back to a page kept in the browser's memory (history): its counts may be old.
window.addEventListener("pageshow", (event) => { if (event.persisted) refreshBadges(); });

const live = pageLive();
followUnread(live);
followNotifications(live);
followShortcuts();
followWaitingSends();
