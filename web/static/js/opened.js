// "Qui a ouvert" (CONV-8): who opened the conversation, first and last time; refreshed on receipts.

import { api } from "./api.js";
import { h } from "./dom.js";
import { atTime, fullDate, sameMinute } from "./format.js";

const REFRESH_MS = 300;

/** createOpenedPanel(exchangeId) -> {button, panel, load(opened), refresh()} */
export function createOpenedPanel(exchangeId) {
  let opened = [];
  let timer = null;
  const list = h("ul", { class: "opened-list" });
  const panel = h("section", { class: "opened-panel popover", id: "qui-a-ouvert", hidden: true, "aria-labelledby": "qui-a-ouvert-titre" },
    h("div", { class: "popover-head" }, h("h2", { id: "qui-a-ouvert-titre" }, "Qui a ouvert la conversation"),
      h("button", { type: "button", class: "popover-close", "aria-label": "Fermer", onclick: () => toggle(false) }, "×")),
    list);
  const count = h("span", { class: "opened-count" });
  const button = h("button", { type: "button", class: "btn btn-secondary btn-opened", "aria-expanded": "false",
    "aria-controls": "qui-a-ouvert", onclick: () => toggle() }, "Qui a ouvert", count);

  function toggle(show = panel.hidden) {
    panel.hidden = !show;
    button.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) panel.querySelector(".popover-close").focus();
  }

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { toggle(false); button.focus(); }
  });

  function render() {
    count.textContent = opened.length ? ` (${opened.length})` : "";
    list.replaceChildren(...(opened.length ? opened.map((o) => h("li", {},
      h("span", { class: "opened-name" }, o.account.label || o.account.name),  // « … pour le compte de Dr NOM »
      h("span", { class: "opened-times" },
        h("time", { datetime: o.first_opened_at, title: fullDate(o.first_opened_at) }, `ouverte ${atTime(o.first_opened_at)}`),
        !sameMinute(o.last_opened_at, o.first_opened_at)
          ? [" · ", h("time", { datetime: o.last_opened_at, title: fullDate(o.last_opened_at) },
            `dernière fois ${atTime(o.last_opened_at)}`)] : null)))
      : [h("li", { class: "empty-line" }, "Personne n'a encore ouvert cette conversation.")]));
  }

  async function refreshNow() {
    const r = await api(`exchanges/${exchangeId}/receipts`);
    if (r.ok) load(r.data.opened || []);
  }

  function load(rows) {
    opened = rows;
    render();
  }

  /** Someone read a message: they opened the conversation too. One request per burst. */
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(refreshNow, REFRESH_MS);
  }

  render();
  return { button, panel, load, refresh };
}
