// « Téléexpertises »: received requests ("à traiter" first, oldest first, with the age of each) and sent
// ones, filtered by status, kept up to date live (teleexpertise.status).

import { allMessages, api } from "relais/api.js";
import { followBadges } from "relais/badges.js";
import { h } from "relais/dom.js";
import { fullDate, relativeTime } from "relais/format.js";
import { pageLive } from "relais/live.js";

const PAGE = 50;
const root = document.getElementById("te-queue");
const list = document.getElementById("te-queue-list");
const empty = document.getElementById("te-queue-empty");
const errorBox = document.getElementById("te-queue-error");
const more = document.getElementById("te-queue-more");
const roles = [...document.querySelectorAll("[data-role]")];
const filters = [...document.querySelectorAll("[data-status]")];
const params = new URLSearchParams(location.search);
let role = params.get("role") === "requester" ? "requester" : "expert";
let status = params.get("statut") || "";
let shown = 0;
let generation = 0;
const EMPTY = {
  expert: "Aucune demande reçue. Les demandes adressées à vous (ou à une structure pour laquelle vous agissez) apparaîtront ici.",
  requester: "Aucune demande envoyée. Démarrez une téléexpertise avec « + Nouvelle demande ».",
};

async function load({ append = false } = {}) {
  const mine = ++generation;
  const query = new URLSearchParams({ role, limit: String(PAGE), offset: String(append ? shown : 0) });
  if (status) query.set("status", status);
  root.setAttribute("aria-busy", "true");
  const r = await api(`/teleexpertise/api/demandes?${query}`);
  if (mine !== generation) return;
  root.setAttribute("aria-busy", "false");
  errorBox.hidden = r.ok;
  if (!r.ok) {
    errorBox.textContent = allMessages(r.errors).join(" ");
    return;
  }
  const rows = r.data.requests.map(row);
  if (append) list.append(...rows);
  else list.replaceChildren(...rows);
  shown = (append ? shown : 0) + rows.length;
  more.hidden = shown >= r.data.total;
  empty.hidden = shown > 0;
  empty.textContent = status ? "Aucune téléexpertise avec ce statut." : EMPTY[role];
  drawCounts(r.data.counts);
}

function drawCounts(counts) {
  const received = counts.expert || {};
  const waiting = (received.demandee || 0) + (received.en_cours || 0);
  const badge = document.querySelector('[data-count="expert"]');
  badge.hidden = !waiting;
  badge.textContent = String(waiting);
  badge.setAttribute("aria-label", `${waiting} à traiter`);
  for (const el of document.querySelectorAll("[data-status-count]")) {
    const n = (counts[role] || {})[el.dataset.statusCount] || 0;
    el.textContent = n ? `(${n})` : "";
  }
}

function row(r) {
  const other = r.side === "expert" ? `De ${r.requester}${r.for_structure ? ` · pour ${r.expert}` : ""}` : `À ${r.expert}`;
  return h("li", { class: `te-row${r.to_handle ? " te-to-handle" : ""}`, dataset: { id: r.id, status: r.status } },
    h("span", { class: `te-status te-status-${r.level}` }, r.status_label),
    h("div", { class: "te-row-main" },
      h("a", { href: `/echanges/${r.exchange_id}`, class: "te-row-link" }, r.subject),
      h("span", { class: "te-row-detail" }, h("span", { class: "te-row-patient" }, r.patient.display_name), " · ", other)),
    h("span", { class: "te-row-side" },
      r.to_handle ? h("span", { class: "te-age-label" }, "À traiter") : null,
      h("time", { datetime: r.requested_at, title: `Demandée le ${fullDate(r.requested_at)}` },
        `Demandée ${relativeTime(r.requested_at)}`)));
}

function press(buttons, attribute, value) {
  for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset[attribute] === value));
}

function remember() {
  const query = new URLSearchParams();
  if (role !== "expert") query.set("role", role);
  if (status) query.set("statut", status);
  history.replaceState(null, "", `${location.pathname}${query.toString() ? `?${query}` : ""}`);
}

for (const b of roles) b.addEventListener("click", () => { role = b.dataset.role; press(roles, "role", role); remember(); load(); });
for (const b of filters) b.addEventListener("click", () => { status = b.dataset.status; press(filters, "status", status); remember(); load(); });
more.querySelector("button").addEventListener("click", () => load({ append: true }));
press(roles, "role", role);
press(filters, "status", status);

const live = pageLive();
let timer = null;
const soon = () => { clearTimeout(timer); timer = setTimeout(() => load(), 300); };
live.on("teleexpertise.status", soon);
live.onConnected(soon);
followBadges(live);
load();
