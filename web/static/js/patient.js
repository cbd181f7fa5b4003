// The patient page (/patients/<id>): every exchange about the patient, whatever its channel or space.

import { allMessages, api } from "./api.js";
import { followBadges } from "./badges.js";
import { exchangeRow } from "./exchange_row.js";
import { pageLive } from "./live.js";

const root = document.getElementById("patient");
const patientId = Number(root.dataset.patientId);
const list = document.getElementById("patient-exchange-list");
const empty = document.getElementById("patient-empty");
const errorBox = document.getElementById("patient-error");
const section = list.closest("section");
const LIMIT = 200;  // the API's largest page: a patient's exchanges with one professional fit in it
let context = null;
let timer = null;

async function loadContext() {
  const [me, channels] = await Promise.all([api("me"), api("channels")]);
  return {
    myIdentities: new Set(me.ok ? me.data.identities.map((i) => i.id) : []),
    channels: new Map((channels.ok ? channels.data.channels : []).map((c) => [c.name, c])),
    showPatient: false,
  };
}

async function refresh() {
  context = context || await loadContext();
  // No space filter: conversations and mails about the patient, side by side.
  const r = await api(`exchanges?patient=${patientId}&limit=${LIMIT}`);
  section.setAttribute("aria-busy", "false");
  if (!r.ok) {
    errorBox.hidden = false;
    errorBox.textContent = allMessages(r.errors).join(" ");
    return;
  }
  errorBox.hidden = true;
  list.replaceChildren(...r.data.exchanges.map((e) => exchangeRow(e, context)));
  empty.hidden = r.data.exchanges.length > 0;
  root.dataset.loaded = "true";
}

function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 150);
}

const live = pageLive();
followBadges(live);
for (const type of ["message.created", "exchange.created", "exchange.updated"]) live.on(type, refreshSoon);
live.onConnected(refreshSoon);
refresh();
