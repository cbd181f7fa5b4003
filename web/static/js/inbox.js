// The inbox (/): two separate spaces as tabs, with unread counts; the list follows live events. A space
// a plugin gives its own view (relais/extensions.js: mailboxes, folders, search...) lists through it.

import { allMessages, api } from "./api.js";
import { followBadges } from "./badges.js";
import { exchangeRow } from "./exchange_row.js";
import { spaceView } from "./extensions.js";
import { pageLive } from "./live.js";
import { pageTitle } from "./platform.js";

const root = document.getElementById("inbox");
const list = document.getElementById("exchange-list");
const empty = document.getElementById("inbox-empty");
const errorBox = document.getElementById("inbox-error");
const nav = document.getElementById("space-nav");
const navView = document.getElementById("space-nav-view");
const tools = document.getElementById("space-tools");
const tabs = [...document.querySelectorAll("[data-tab]")];
const EMPTY = {
  chat: "Aucune conversation pour le moment. Démarrez-en une avec le bouton « + Nouveau ».",
  mail: "Aucun mail sécurisé pour le moment.",
};
let space = root.dataset.space;
let myIdentities = new Set();
let generation = 0;
let limit = 50;
const PAGE = 50;
const MAX = 200;  // the API's largest page
const more = document.getElementById("inbox-more");
let timer = null;
const views = new Map();  // space -> its plugin view, once it answered its probe

function setCounts(unread) {
  for (const tab of tabs) {
    const count = unread[tab.dataset.tab] || 0;
    const badge = tab.querySelector(".count");
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.setAttribute("aria-label", `${count} non lu${count > 1 ? "s" : ""}`);
  }
  const total = Object.values(unread).reduce((sum, n) => sum + (n || 0), 0);
  document.title = pageTitle(`${total ? `(${total}) ` : ""}Boîte de réception`);
}

async function refresh() {
  const mine = ++generation;
  // A space's own view lists through its plugin's routes; the counts stay the inbox's.
  const view = views.get(space) || null;
  const [r, found] = await Promise.all([api(`exchanges?space=${space}&limit=${view ? 1 : limit}`),
    view ? view.load(limit) : null]);
  if (mine !== generation) return;  // a newer refresh (or a tab switch) superseded this one
  root.setAttribute("aria-busy", "false");
  const failed = !r.ok ? r : (found && !found.ok ? found : null);
  if (failed) {
    errorBox.hidden = false;
    errorBox.textContent = allMessages(failed.errors).join(" ");
    return;
  }
  errorBox.hidden = true;
  setCounts(r.data.unread);
  const exchanges = found ? found.exchanges : r.data.exchanges;
  list.replaceChildren(...exchanges.map((e) => (view ? view.row(e) : exchangeRow(e, { myIdentities }))));
  empty.hidden = exchanges.length > 0;
  more.hidden = exchanges.length < limit || limit >= MAX;
  empty.textContent = view ? view.emptyText() : EMPTY[space] || "";
  root.dataset.loaded = "true";
}

/** Live events come in bursts (an exchange and its first message): refresh once per burst. */
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 100);
}

/** The side navigation and tools of the selected space: its view's, and its plugin links. */
function showSpace() {
  let links = false;
  for (const group of nav.querySelectorAll(".space-links")) {
    group.hidden = group.dataset.space !== space;
    links = links || !group.hidden;
  }
  const view = views.get(space) || null;
  navView.replaceChildren(...(view && view.nav ? [view.nav] : []));
  tools.replaceChildren(...(view && view.tools ? [view.tools] : []));
  nav.hidden = !links && !(view && view.nav);
  root.classList.toggle("with-nav", !nav.hidden);
  for (const [key, other] of views) other.show?.(key === space);
}

function select(next, push = true) {
  space = next;
  limit = PAGE;
  root.dataset.space = next;
  for (const tab of tabs) {
    const on = tab.dataset.tab === next;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
  }
  document.getElementById("inbox-panel").setAttribute("aria-labelledby", `onglet-${next}`);
  if (push) history.replaceState(null, "", `/?espace=${next}`);
  showSpace();
  refresh();
}

for (const tab of tabs) {
  tab.addEventListener("click", (event) => {
    event.preventDefault();
    select(tab.dataset.tab);
  });
  tab.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const next = tabs[(tabs.indexOf(tab) + 1) % tabs.length];
    next.focus();
    select(next.dataset.tab);
  });
}

more.addEventListener("click", () => {
  limit = Math.min(MAX, limit + PAGE);
  refresh();
});

/** Each space's plugin view, kept only if it answers its probe (its plugin's routes are there). */
async function createViews() {
  await Promise.all(tabs.map(async (tab) => {
    const factory = spaceView(tab.dataset.tab);
    if (!factory) return;
    const view = factory({ onChange: () => { limit = PAGE; refresh(); } });
    if (await view.probe()) views.set(tab.dataset.tab, view);
  }));
}

const live = pageLive();
for (const type of ["message.created", "exchange.created", "exchange.updated", "receipt.created", "exchange.deleted"]) {
  live.on(type, refreshSoon);
}
live.onConnected(refreshSoon);
followBadges(live);
// Coming back to the tab after reading a thread elsewhere: counts may have changed.
window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });

Promise.all([api("me"), createViews()]).then(([r]) => {
  if (r.ok) myIdentities = new Set(r.data.identities.map((i) => i.id));
  select(space, false);
});
