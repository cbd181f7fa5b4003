// Badges of the plugins' links (menu_links hook): each link with data-count-url shows the number its
// plugin's URL answers (under data-count-key), hidden at zero. The shell asks every count once when a
// page loads (shell.js); a page with a live socket then asks a link's count again only after the live
// events its plugin named (data-count-events), once per burst, and after a reconnection (events missed).

import { api } from "./api.js";

const BURST_MS = 300;  // an exchange and its first message arrive together: one request for both

function show(link, data) {
  const count = Number(data[link.dataset.countKey || "count"]) || 0;
  const badge = link.querySelector(".count");
  badge.hidden = !count;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.setAttribute("aria-label", `${count} en attente`);
}

/** Ask the counts of `links` (elements with data-count-url): one request per URL, however many links share it. */
async function refreshLinks(links) {
  const byUrl = new Map();
  for (const link of links) {
    if (!byUrl.has(link.dataset.countUrl)) byUrl.set(link.dataset.countUrl, []);
    byUrl.get(link.dataset.countUrl).push(link);
  }
  await Promise.all([...byUrl].map(async ([url, sharing]) => {
    const r = await api(url);
    if (r.ok && r.data) for (const link of sharing) show(link, r.data);
  }));
}

/** Every badge under `root` (the whole page by default), asked now. */
export function refreshBadges(root = document) {
  return refreshLinks(root.querySelectorAll("[data-count-url]"));
}

/** Keep the badges that name live events up to date with the page's socket (a Live of relais/live.js). */
export function followBadges(live, root = document) {
  const following = [...root.querySelectorAll("[data-count-url][data-count-events]")];
  const pending = new Set();
  let timer = null;
  const soon = (links) => {
    for (const link of links) pending.add(link);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const due = [...pending];
      pending.clear();
      refreshLinks(due);
    }, BURST_MS);
  };
  const types = new Set(following.flatMap((link) => link.dataset.countEvents.split(/\s+/).filter(Boolean)));
  for (const type of types) {
    const links = following.filter((link) => link.dataset.countEvents.split(/\s+/).includes(type));
    live.on(type, () => soon(links));
  }
  let connections = 0;
  live.onConnected(() => {
    // The first connection comes with the page, whose counts were just asked; a later one may follow missed events.
    connections += 1;
    if (connections > 1) soon(following);
  });
}
