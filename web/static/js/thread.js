// A thread page (/echanges/<id>): header, messages (paged, live), composer, read marks, receipts,
// photo viewer, transfer of attachments to one's software. A channel may bring its own thread view and
// a message kind its own look (relais/extensions.js): the mail plugin's reply, forward, statuses...

import { allMessages, api } from "./api.js";
import { followBadges } from "./badges.js";
import { createComposer } from "./composer.js";
import { messageRenderer, threadView } from "./extensions.js";
import { pageLive } from "./live.js";
import { refreshDaySeparators, renderMessage } from "./messages.js";
import { Receipts } from "./receipts.js";
import { createHeader } from "./thread_header.js";
import { createTransfer } from "./transfer.js";
import { createViewer } from "./viewer.js";

const root = document.getElementById("thread");
const exchangeId = Number(root.dataset.exchangeId);
const list = document.getElementById("messages");
const scroller = document.getElementById("thread-scroll");
const olderButton = document.getElementById("older-messages");
const errorBox = document.getElementById("thread-error");
const newPill = document.getElementById("new-messages");
const receipts = new Receipts(list);
const header = createHeader({ exchangeId, refresh: () => refreshHeader() });
createViewer(list);
const transfer = createTransfer(list, { exchangeId, patientId: () => header.patientId() });
const shown = new Map();  // message id -> element: a message is never shown twice
let accountId = null;
let view = null;  // the channel's own thread view, if its plugin registered one
let composer = null;
let space = "chat";
let lastId = 0;
let lastMarked = 0;
let loaded = false;
let catchingUp = null;
let stuck = true;  // reading the latest messages: stay with them when the page around them changes

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
  view?.messages?.(messages);
  let added = 0;
  for (const message of messages) {
    if (shown.has(message.id)) continue;
    const el = (messageRenderer(message.kind) || renderMessage)(message, { accountId });
    const next = [...shown.keys()].filter((id) => id > message.id).sort((a, b) => a - b)[0];
    list.insertBefore(el, next === undefined ? null : shown.get(next));
    shown.set(message.id, el);
    lastId = Math.max(lastId, message.id);
    added += 1;
    view?.shown?.(message, el);
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
// A catch-up the server could not answer (a node restarting, overloaded: 5xx, or no network) is tried again,
// backing off, rather than left until the next reconnection: the messages it would bring are not lost meanwhile.
let catchUpRetry = null;
let catchUpDelay = 1000;

function retryCatchUp() {
  if (catchUpRetry) return;
  catchUpRetry = setTimeout(() => { catchUpRetry = null; catchUp(); }, catchUpDelay * (0.5 + Math.random() / 2));
  catchUpDelay = Math.min(catchUpDelay * 2, 30000);
}

function catchUp() {
  if (!loaded) return Promise.resolve();
  if (catchingUp) return catchingUp;
  catchingUp = (async () => {
    const atBottom = stuck || nearBottom();
    for (;;) {
      const r = await api(`exchanges/${exchangeId}/messages?after=${lastId}`);
      if (!r.ok) {
        if (r.status === 0 || r.status === 429 || r.status >= 500) retryCatchUp();  // a 403/404: access gone
        break;
      }
      catchUpDelay = 1000;
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

async function refreshHeader() {
  const r = await api(`exchanges/${exchangeId}`);
  if (r.ok) header.render(r.data.exchange);
}

async function init() {
  const [exchange, me, page, seen] = await Promise.all([
    api(`exchanges/${exchangeId}`), api("me"), api(`exchanges/${exchangeId}/messages`),
    api(`exchanges/${exchangeId}/receipts`)]);
  const failed = [exchange, me, page].find((r) => !r.ok);
  if (failed) return showError(allMessages(failed.errors));
  accountId = me.data.account.id;
  receipts.accountId = accountId;
  header.render(exchange.data.exchange);
  space = exchange.data.exchange.space;
  const factory = threadView(exchange.data.exchange.channel);
  view = factory ? factory({ exchangeId, exchange: exchange.data.exchange, list, live, onSent,
    identities: new Set(me.data.identities.map((i) => i.id)), refreshHeader: () => refreshHeader(),
    patient: () => header.patient() }) : null;
  if (view?.replacesComposer) document.getElementById("composer").hidden = true;
  else composer = createComposer(document.getElementById("composer"), { exchangeId, onSent });
  insert(page.data.messages);
  if (seen.ok) {
    receipts.load(seen.data);
    header.opened.load(seen.data.opened || []);
  }
  olderButton.hidden = !page.data.has_more;
  scrollToBottom();
  loaded = true;
  root.dataset.ready = "true";
  await catchUp();  // events that arrived while the page loaded
}

const live = pageLive();
followBadges(live);
live.on("message.created", (event) => {
  if (event.exchange_id !== exchangeId || !loaded) return;
  const atBottom = stuck || nearBottom();
  if (!insert([event.data])) return;
  if (atBottom) scrollToBottom();
  else newPill.hidden = false;
  markRead();
});
live.on("exchange.updated", (event) => { if (event.exchange_id === exchangeId) refreshHeader(); });
live.on("exchange.deleted", (event) => {
  if (event.exchange_id === exchangeId) location.assign(`/?espace=${space}`);  // gone: back to its space
});
live.on("receipt.created", (event) => {
  if (event.exchange_id !== exchangeId) return;
  receipts.receive(event.data);
  header.opened.refresh();  // whoever read a message opened the conversation
});
live.onConnected(() => catchUp());
// Pushes into software (« Envoyer vers mon logiciel »): each one's state, under its attachment.
live.on("integration.status", (event) => transfer.receive(event.data));
live.onConnected(() => transfer.refresh());

olderButton.addEventListener("click", loadOlder);
newPill.addEventListener("click", scrollToBottom);
let lastTop = 0;
scroller.addEventListener("scroll", () => {
  // Only a move up means "I am reading older messages": the page's own scrolling (and panels opening
  // above the thread, which fire scroll events mid-layout) never unsticks the view.
  const top = scroller.scrollTop;
  if (top < lastTop) stuck = nearBottom();
  else if (nearBottom()) stuck = true;
  lastTop = top;
  if (nearBottom()) newPill.hidden = true;
});
// Banners or panels shrink the thread, photos grow as they load: keep the latest message in view.
const follow = new ResizeObserver(() => { if (stuck && loaded) scroller.scrollTop = scroller.scrollHeight; });
follow.observe(scroller);
follow.observe(list);
document.addEventListener("visibilitychange", markRead);
function onSent(message) {
  insert([message]);
  scrollToBottom();
  lastMarked = Math.max(lastMarked, message.id);
}
init().then(() => composer?.focus());
