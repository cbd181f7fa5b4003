// The ringing banner of every page: a member of one of your exchanges started a visio. « Rejoindre » opens the
// call page, « Refuser » tells the others; a desktop notification too when the browser allows it. It follows
// the calls live (started, answered from another page, ended) and asks the server on each (re)connection.

import { api } from "relais/api.js";
import { h } from "relais/dom.js";

import { visioIcon } from "./icons.js";
import { live } from "./visio_live.js";

const here = document.getElementById("visio-call");
const hereExchange = here ? Number(here.dataset.exchange) : null;
const ringing = new Map();  // call id -> call {id, exchange_id, subject, started_by, url}
const notified = new Set();
const bar = h("div", { class: "visio-ringing", id: "visio-ringing", role: "region", "aria-label": "Appels en cours",
  hidden: true });
document.body.prepend(bar);

const RING_MS = 60000;  // then the banner stays, quiet: « Visio en cours »
const firstSeen = new Map();  // call id -> when this page learnt of it (the browser's clock, not the server's)
let quietTimer = null;
let drawn = "";

function ringsNow(call) {
  if (!firstSeen.has(call.id)) firstSeen.set(call.id, Date.now());
  return Date.now() - firstSeen.get(call.id) < RING_MS;
}

function draw() {
  const calls = [...ringing.values()].filter((c) => c.exchange_id !== hereExchange);
  const key = JSON.stringify(calls.map((c) => [c.id, ringsNow(c)]));
  clearTimeout(quietTimer);
  const loud = calls.filter(ringsNow);
  if (loud.length) {
    const next = Math.min(...loud.map((c) => RING_MS - (Date.now() - firstSeen.get(c.id))));
    quietTimer = setTimeout(draw, next + 50);
  }
  if (key === drawn) return;  // unchanged: keep the buttons (and the focus) where they are
  drawn = key;
  bar.hidden = calls.length === 0;
  bar.replaceChildren(...calls.map((call) => h("div", {
    class: ringsNow(call) ? "visio-ring" : "visio-ring visio-ring-quiet", role: ringsNow(call) ? "alert" : "status",
    dataset: { call: call.id } },
    h("span", { class: "visio-ring-icon", "aria-hidden": "true" }, visioIcon("video")),
    h("span", { class: "visio-ring-text" },
      h("strong", {}, !ringsNow(call) ? "Visio en cours"
        : call.started_by ? `${call.started_by.name} vous invite à une visio` : "Une visio a commencé"),
      h("span", { class: "visio-ring-subject" }, ` · ${call.subject}`)),
    h("a", { class: "btn btn-primary visio-ring-join", href: call.url }, "Rejoindre"),
    h("button", { type: "button", class: "btn btn-secondary visio-ring-decline", onclick: () => decline(call) }, "Refuser"),
    notificationOffer())));
}

function notificationOffer() {
  if (!("Notification" in window) || Notification.permission !== "default") return null;
  return h("button", { type: "button", class: "btn btn-link visio-ring-notify", onclick: async () => {
    await Notification.requestPermission();
    drawn = "";  // the offer goes, whatever the answer
    draw();
  } }, "Me prévenir aussi hors de cet onglet");
}

function notify(call) {
  if (notified.has(call.id) || !("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;  // the banner is seen
  notified.add(call.id);
  const title = call.started_by ? `${call.started_by.name} vous invite à une visio` : "Visio en cours";
  const shown = new Notification(title, { body: call.subject, tag: `visio-${call.id}` });
  shown.onclick = () => { window.focus(); location.assign(call.url); };
}

async function decline(call) {
  ringing.delete(call.id);
  draw();
  await api(`/visio/api/appels/${call.id}/refuser`, { method: "POST", json: {} });
}

async function refresh() {
  const r = await api("/visio/api/appels");
  if (!r.ok) return;
  ringing.clear();
  for (const call of r.data.calls) ringing.set(call.id, call);
  draw();
}

live.onConnected(refresh);
// The server lists only the calls this account has not answered: one's own call never rings.
live.on("visio.started", (event) => {
  refresh().then(() => { const call = ringing.get(event.data.call); if (call) notify(call); });
});
for (const type of ["visio.joined", "visio.declined"]) {
  // Perhaps answered from another page of this account: ask again, it stops ringing here too.
  live.on(type, (event) => { if (ringing.has(event.data.call)) refresh(); });
}
live.on("visio.ended", (event) => { if (ringing.delete(event.data.call)) draw(); });
