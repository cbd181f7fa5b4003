// A thread page (/echanges/<id>): header, panels, actions, messages (paged, live), composer, read marks.

import { allMessages, api } from "./api.js";
import { createComposer } from "./composer.js";
import { h } from "./dom.js";
import { Live } from "./live.js";
import { refreshDaySeparators, renderMessage } from "./messages.js";
import { Receipts } from "./receipts.js";

const root = document.getElementById("thread");
const exchangeId = Number(root.dataset.exchangeId);
const list = document.getElementById("messages");
const scroller = document.getElementById("thread-scroll");
const olderButton = document.getElementById("older-messages");
const errorBox = document.getElementById("thread-error");
const newPill = document.getElementById("new-messages");
const receipts = new Receipts(list);
const shown = new Map();  // message id -> element: a message is never shown twice
let accountId = null;
let lastId = 0;
let lastMarked = 0;
let loaded = false;
let catchingUp = null;

function showError(messages) {
  errorBox.hidden = !messages.length;
  errorBox.textContent = messages.join(" ");
}

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
  newPill.hidden = true;
}

/** Insert messages at their place by id, skipping any already shown (live events and catch-up overlap). */
function insert(messages) {
  let added = 0;
  for (const message of messages) {
    if (shown.has(message.id)) continue;
    const el = renderMessage(message, { accountId });
    const next = [...shown.keys()].filter((id) => id > message.id).sort((a, b) => a - b)[0];
    list.insertBefore(el, next === undefined ? null : shown.get(next));
    shown.set(message.id, el);
    lastId = Math.max(lastId, message.id);
    added += 1;
  }
  if (added) {
    refreshDaySeparators(list);
    receipts.render();
    root.dataset.messages = String(shown.size);
  }
  document.getElementById("thread-empty").hidden = shown.size > 0;
  return added;
}

async function loadOlder() {
  const first = Math.min(...shown.keys());
  olderButton.disabled = true;
  const r = await api(`exchanges/${exchangeId}/messages?before=${first}`);
  olderButton.disabled = false;
  if (!r.ok) return showError(allMessages(r.errors));
  // Keep the message the user was looking at in place while older ones appear above it.
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  insert(r.data.messages);
  scroller.scrollTop = scroller.scrollHeight - fromBottom;
  olderButton.hidden = !r.data.has_more;
}

/** Fetch every message after the last one shown: after a reconnection, missed events are not replayed. */
function catchUp() {
  if (!loaded) return Promise.resolve();
  if (catchingUp) return catchingUp;
  catchingUp = (async () => {
    const atBottom = nearBottom();
    for (;;) {
      const r = await api(`exchanges/${exchangeId}/messages?after=${lastId}`);
      if (!r.ok) break;
      insert(r.data.messages);
      if (!r.data.has_more || !r.data.messages.length) break;
    }
    if (atBottom) scrollToBottom();
    markRead();
  })().finally(() => { catchingUp = null; });
  return catchingUp;
}

async function markRead() {
  if (document.visibilityState !== "visible" || lastId <= lastMarked) return;
  const upTo = lastId;
  lastMarked = upTo;
  const r = await api(`exchanges/${exchangeId}/read`, { method: "POST", json: { up_to: upTo } });
  if (!r.ok) lastMarked = 0;
}

function renderHeader(exchange) {
  document.getElementById("thread-subject").textContent = exchange.subject;
  document.title = `${exchange.subject} · Relais Santé`;
  const back = document.getElementById("thread-back");
  back.href = `/?espace=${exchange.space}`;
  back.textContent = exchange.space === "mail" ? "← Messagerie sécurisée" : "← Conversations";
  const patient = document.getElementById("thread-patient");
  patient.hidden = !exchange.patient;
  patient.replaceChildren(...(exchange.patient ? [h("span", { class: "label" }, "Patient : "), exchange.patient.display_name] : []));
  document.getElementById("thread-members").replaceChildren(h("span", { class: "label" }, "Participants : "),
    h("span", {}, exchange.members.map((m, i) => [i ? ", " : "", h("span", { class: "member" }, m.display_name)])));
  document.getElementById("thread-panels").replaceChildren(...(exchange.panels || []).map((panel) =>
    h("div", { class: `banner banner-${panel.level || "info"}`, dataset: { panel: panel.name } },
      h("strong", { class: "banner-title" }, panel.title), panel.text ? h("span", {}, " ", panel.text) : null,
      panel.action ? actionButton(panel.action) : null)));
  document.getElementById("thread-actions").replaceChildren(...(exchange.actions || []).map(actionButton));
}

function actionButton(action) {
  return h("button", {
    type: "button", class: "btn btn-secondary", dataset: { action: action.name },
    onclick: (event) => runAction(action, event.currentTarget),
  }, action.icon ? h("span", { class: "icon", "aria-hidden": "true" }, action.icon, " ") : null, action.label);
}

async function runAction(action, button) {
  if (action.confirm && !window.confirm(action.confirm)) return;
  const method = (action.method || "POST").toUpperCase();
  if (method === "GET") {
    location.assign(action.url);  // a page of the plugin (a visio room, a document)
    return;
  }
  button.disabled = true;
  const r = await api(action.url, { method, json: {} });
  button.disabled = false;
  if (!r.ok) return showError(allMessages(r.errors));
  showError([]);
  const target = r.data && (r.data.redirect || r.data.url || (r.data.attachment && r.data.attachment.url));
  if (target) window.open(target, "_blank", "noopener");
  await refreshHeader();
}

async function refreshHeader() {
  const r = await api(`exchanges/${exchangeId}`);
  if (r.ok) renderHeader(r.data.exchange);
}

async function init() {
  const [exchange, me, page, seen] = await Promise.all([
    api(`exchanges/${exchangeId}`), api("me"), api(`exchanges/${exchangeId}/messages`),
    api(`exchanges/${exchangeId}/receipts`)]);
  const failed = [exchange, me, page].find((r) => !r.ok);
  if (failed) return showError(allMessages(failed.errors));
  accountId = me.data.account.id;
  renderHeader(exchange.data.exchange);
  insert(page.data.messages);
  if (seen.ok) receipts.load(seen.data);
  olderButton.hidden = !page.data.has_more;
  scrollToBottom();
  loaded = true;
  root.dataset.ready = "true";
  await catchUp();  // events that arrived while the page loaded
}

const live = new Live();
live.on("message.created", (event) => {
  if (event.exchange_id !== exchangeId || !loaded) return;
  const atBottom = nearBottom();
  if (!insert([event.data])) return;
  if (atBottom) scrollToBottom();
  else newPill.hidden = false;
  markRead();
});
live.on("exchange.updated", (event) => { if (event.exchange_id === exchangeId) refreshHeader(); });
live.on("receipt.created", (event) => { if (event.exchange_id === exchangeId) receipts.receive(event.data); });
live.onConnected(() => catchUp());

olderButton.addEventListener("click", loadOlder);
newPill.addEventListener("click", scrollToBottom);
scroller.addEventListener("scroll", () => { if (nearBottom()) newPill.hidden = true; });
document.addEventListener("visibilitychange", markRead);
const composer = createComposer(document.getElementById("composer"), {
  exchangeId,
  onSent: (message) => {
    insert([message]);
    scrollToBottom();
    lastMarked = Math.max(lastMarked, message.id);
  },
});
init().then(() => composer.focus());
