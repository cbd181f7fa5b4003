// Badges of the plugins' links (menu_links hook): each link with data-count-url shows the number its
// plugin's URL answers (under data-count-key), hidden at zero.

import { api } from "./api.js";

export async function refreshBadges(root = document) {
  const links = [...root.querySelectorAll("[data-count-url]")];
  await Promise.all(links.map(async (link) => {
    const r = await api(link.dataset.countUrl);
    if (!r.ok || !r.data) return;
    const count = Number(r.data[link.dataset.countKey || "count"]) || 0;
    const badge = link.querySelector(".count");
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.setAttribute("aria-label", `${count} en attente`);
  }));
}
