// « Mails non distribués » (/admin/mails-non-distribues): held mail, filtered En attente / Traités / Tous;
// each held mail is released into a mailbox or discarded in place (undelivered_row.js).

import { allMessages, api } from "relais/api.js";
import { heldRow } from "./undelivered_row.js";

const root = document.getElementById("undelivered");
const body = document.getElementById("undelivered-rows");
const table = document.getElementById("undelivered-table");
const empty = document.getElementById("undelivered-empty");
const errorBox = document.getElementById("undelivered-error");
const statusBox = document.getElementById("undelivered-status");
const heldCount = document.getElementById("held-count");
const zoneHint = document.getElementById("undelivered-zone");
const filters = [...document.querySelectorAll("[data-status]")];
const EMPTY = {
  held: "Aucun mail en attente : tout ce que l'opérateur a transmis a trouvé sa boîte.",
  resolved: "Aucun mail traité pour le moment.",
  all: "Aucun mail non distribué.",
};
const FILTERS = new Set(Object.keys(EMPTY));
const params = new URLSearchParams(location.search);
let status = FILTERS.has(params.get("etat")) ? params.get("etat") : "held";
let generation = 0;
let current = null;  // the one open panel (release or discard)

const panels = {
  opened(handle) {
    if (current && current !== handle) current.close();
    current = handle;
  },
  closed(handle) {
    if (current === handle) current = null;
  },
};

// The held count is said at the heading only: a « (n) » in front of the tab's title is the unread messages'
// count on every page (relais/unread.js), which would take this one for its own.
function setHeld(count) {
  heldCount.hidden = !count;
  heldCount.textContent = count > 99 ? "99+" : String(count);
  heldCount.setAttribute("aria-label", `${count} en attente`);
}

function announce(message) {
  statusBox.textContent = message;
  statusBox.hidden = !message;
}

function onSettled(row, message, held) {
  const old = body.querySelector(`tr.held-row[data-id="${row.id}"]`);
  const [tr, panel] = heldRow(row, { onSettled, panels });
  // The row stays where it was with its new state, so the administrator sees what became of it.
  old.nextElementSibling.replaceWith(panel);
  old.replaceWith(tr);
  tr.classList.add("just-settled");
  setHeld(held);
  announce(message);
  tr.querySelector(".col-actions").focus();
}

async function load() {
  const mine = ++generation;
  root.setAttribute("aria-busy", "true");
  const r = await api(`/mssante_mail/admin/undelivered?status=${status}`);
  if (mine !== generation) return;  // a newer filter superseded this one
  root.setAttribute("aria-busy", "false");
  if (!r.ok) {
    errorBox.textContent = allMessages(r.errors).join(" ");
    errorBox.hidden = false;
    return;
  }
  errorBox.hidden = true;
  current = null;
  const rows = r.data.undelivered;
  body.replaceChildren(...rows.flatMap((row) => heldRow(row, { onSettled, panels })));
  table.hidden = !rows.length;
  empty.hidden = rows.length > 0;
  empty.textContent = EMPTY[status];
  zoneHint.textContent = `Heures de ${r.data.timezone === "Europe/Paris" ? "Paris" : r.data.timezone}`
    + (rows.length >= 200 ? " · les 200 plus récents" : "");
  setHeld(r.data.held);
  root.dataset.loaded = "true";
}

function select(next) {
  status = next;
  for (const button of filters) button.setAttribute("aria-pressed", button.dataset.status === next ? "true" : "false");
  history.replaceState(null, "", next === "held" ? location.pathname : `${location.pathname}?etat=${next}`);
  announce("");
  load();
}

for (const button of filters) button.addEventListener("click", () => select(button.dataset.status));
select(status);
