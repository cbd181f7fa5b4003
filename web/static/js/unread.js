// How many messages wait unread, on every signed-in page: in the tab's title (« (3) Boîte de réception ·
// Relais Santé ») and on the installed app's icon (navigator.setAppBadge, where the browser has it). Asked
// once with the page, then again after the live events that change it (a burst asks once), after a
// reconnection (events may have been missed) and when the user comes back to the page.

import { api } from "./api.js";

const BURST_MS = 300;
const EVENTS = ["message.created", "exchange.created", "exchange.updated", "exchange.deleted", "receipt.created"];
const PREFIX = /^\(\d+\+?\)\s/;

let total = 0;

/** The title with the count in front; page scripts may change the title: the count is put back then. */
function applyTitle() {
  const bare = document.title.replace(PREFIX, "");
  const wanted = total ? `(${total > 99 ? "99+" : total}) ${bare}` : bare;
  if (document.title !== wanted) document.title = wanted;
}

function applyBadge() {
  if (!("setAppBadge" in navigator)) return;
  const done = total ? navigator.setAppBadge(total) : navigator.clearAppBadge();
  done.catch(() => { /* not installed, or the platform has no badges: the title says it */ });
}

async function refresh() {
  const r = await api("exchanges?limit=1");
  if (!r.ok || !r.data?.unread) return;
  total = Object.values(r.data.unread).reduce((sum, n) => sum + (Number(n) || 0), 0);
  document.documentElement.dataset.unread = String(total);
  applyTitle();
  applyBadge();
}

/** Keep the count in the title and on the app's icon with the page's socket (a Live of relais/live.js). */
export function followUnread(live) {
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, BURST_MS);
  };
  for (const type of EVENTS) live.on(type, soon);
  let connections = 0;
  live.onConnected(() => {
    connections += 1;
    if (connections > 1) soon();  // the first comes with the page, asked below
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") soon(); });
  window.addEventListener("pageshow", (event) => { if (event.persisted) soon(); });
  const title = document.querySelector("title");
  if (title) new MutationObserver(applyTitle).observe(title, { childList: true, characterData: true, subtree: true });
  refresh();
}
