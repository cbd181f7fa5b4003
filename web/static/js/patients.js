// « Mes patients » (/patients): the patients in one's care, recent first, then a search as one types (name,
// birth date, INS), each with what one shares about them (exchanges, unread messages).
// Each row opens the patient's page, which lists every exchange about them, whatever its channel.

import { allMessages, api } from "./api.js";
import { followBadges } from "./badges.js";
import { h } from "./dom.js";
import { formatIns, relativeTime } from "./format.js";
import { pageLive } from "./live.js";

const root = document.getElementById("patients");
const input = document.getElementById("patients-q");
const list = document.getElementById("patients-list");
const title = document.getElementById("patients-list-title");
const empty = document.getElementById("patients-empty");
const errorBox = document.getElementById("patients-error");
const section = list.closest("section");
const LIMIT = 50;  // the API's largest page
let timer = null;
let asked = 0;  // answers to an older query are dropped: the list always matches what is typed

function exchangesText(count) {
  if (!count) return "aucun échange";
  return count === 1 ? "1 échange" : `${count} échanges`;
}

function row(patient) {
  const ins = patient.ins
    ? `INS ${formatIns(patient.ins)} · ${patient.qualified ? "identité qualifiée" : "identité non qualifiée"}`
    : "INS non renseigné";
  return h("li", { class: "patient-row", dataset: { patientId: patient.id } },
    h("a", { href: `/patients/${patient.id}` },
      h("span", {},
        h("p", { class: "patient-row-name" }, patient.display_name,
          patient.homonym ? h("span", { class: "homonym", title: "Un autre patient a le même nom, prénom et date de naissance" }, "Homonyme") : null),
        h("p", { class: "patient-row-detail" }, ins)),
      h("span", { class: "patient-row-side" },
        h("span", { class: "patient-row-count" }, exchangesText(patient.exchange_count)),
        patient.unread_count > 0 ? h("span", { class: "badge", role: "img", "aria-label": `${patient.unread_count} non lu${patient.unread_count > 1 ? "s" : ""}` },
          String(patient.unread_count)) : null,
        patient.last_used_at ? h("span", { class: "patient-row-used" }, `utilisé ${relativeTime(patient.last_used_at)}`) : null)));
}

async function refresh() {
  const q = input.value.trim();
  const mine = ++asked;
  section.setAttribute("aria-busy", "true");
  const r = await api(`patients?q=${encodeURIComponent(q)}&limit=${LIMIT}&activity=1`);
  if (mine !== asked) return;
  section.setAttribute("aria-busy", "false");
  if (!r.ok) {
    errorBox.hidden = false;
    errorBox.textContent = allMessages(r.errors).join(" ");
    return;
  }
  errorBox.hidden = true;
  const { patients, recent } = r.data;
  title.textContent = recent ? "Vos patients, les plus récents d'abord" : "Résultats de la recherche";
  list.replaceChildren(...patients.map(row));
  empty.hidden = patients.length > 0;
  empty.textContent = recent
    ? "Aucun patient suivi pour l'instant : retrouvez-en un par son INS ci-dessus, ou créez-le en démarrant un échange."
    : "Aucun patient suivi ne correspond à cette recherche.";
  root.dataset.loaded = "true";
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(refresh, 200);
});
document.getElementById("patients-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  refresh();
});

// New messages and exchanges change the counts: the list follows them, keeping what is typed.
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 150);
}
const live = pageLive();
followBadges(live);
for (const type of ["message.created", "exchange.created", "exchange.updated", "exchange.deleted"]) live.on(type, refreshSoon);
live.onConnected(refreshSoon);
// Back from a thread read meanwhile: its messages are no longer unread.
window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });
refresh();
