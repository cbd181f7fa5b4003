// The inbox (/): two separate spaces as tabs, with unread counts; the list follows live events.

import { allMessages, api } from "./api.js";
import { exchangeRow } from "./exchange_row.js";
import { Live } from "./live.js";
import { mailRow } from "./mail_row.js";
import { createMailSpace } from "./mail_space.js";

const root = document.getElementById("inbox");
const list = document.getElementById("exchange-list");
const empty = document.getElementById("inbox-empty");
const errorBox = document.getElementById("inbox-error");
const tabs = [...document.querySelectorAll("[data-tab]")];
const EMPTY = {
  chat: "Aucune conversation pour le moment. Démarrez-en une avec le bouton « + Nouveau ».",
  mail: "Aucun mail sécurisé pour le moment.",
  inbox: "Aucun mail reçu dans cette boîte.",
  sent: "Aucun mail envoyé depuis cette boîte.",
  search: "Aucun mail ne correspond à cette recherche.",
};
let space = root.dataset.space;
let myIdentities = new Set();
let generation = 0;
let limit = 50;
const PAGE = 50;
const MAX = 200;  // the API's largest page
const more = document.getElementById("inbox-more");
let timer = null;

function setCounts(unread) {
  for (const tab of tabs) {
    const count = unread[tab.dataset.tab] || 0;
    const badge = tab.querySelector(".count");
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.setAttribute("aria-label", `${count} non lu${count > 1 ? "s" : ""}`);
  }
  const total = (unread.chat || 0) + (unread.mail || 0);
  document.title = `${total ? `(${total}) ` : ""}Boîte de réception · Relais Santé`;
}

async function refresh() {
  const mine = ++generation;
  // The mail space lists through the mail plugin's search (folders, mailboxes); the counts stay the inbox's.
  const mailSpace = space === "mail" && mail.available;
  const [r, found] = await Promise.all([api(`exchanges?space=${space}&limit=${mailSpace ? 1 : limit}`),
    mailSpace ? mail.load(limit) : null]);
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
  // A mail row names the other party (sender, or recipients in "Envoyés"); a conversation its members.
  list.replaceChildren(...exchanges.map((e) => (mailSpace ? mailRow(e, { folder: mail.folder })
    : exchangeRow(e, { myIdentities }))));
  empty.hidden = exchanges.length > 0;
  more.hidden = exchanges.length < limit || limit >= MAX;
  empty.textContent = !mailSpace ? EMPTY[space] : EMPTY[mail.searching ? "search" : mail.folder];
  root.dataset.loaded = "true";
}

/** Live events come in bursts (an exchange and its first message): refresh once per burst. */
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 100);
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
  mail.show(next === "mail");
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

const mail = createMailSpace({ onChange: () => { limit = PAGE; refresh(); } });
const live = new Live();
for (const type of ["message.created", "exchange.created", "exchange.updated", "receipt.created", "exchange.deleted"]) {
  live.on(type, refreshSoon);
}
live.onConnected(refreshSoon);
// Coming back to the tab after reading a thread elsewhere: counts may have changed.
window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });

Promise.all([api("me"), mail.probe()]).then(([r]) => {
  if (r.ok) myIdentities = new Set(r.data.identities.map((i) => i.id));
  select(space, false);
});
