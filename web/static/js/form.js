// The send screen (/envoyer/<channel>): one form drawn from the channel's field list, sent in one request.
// Sent without a connection, the request waits in this browser (« En attente de connexion… », send_outbox.js)
// and leaves by itself once the connection is back, with the same Idempotency-Key: one exchange, then its thread.

import { allMessages, api } from "./api.js";
import { h, onSendShortcut } from "./dom.js";
import { createDraftSaver, newSendKey, whoAmI } from "./drafts.js";
import { renderField } from "./fields.js";
import { prefillFromLink } from "./form_link.js";
import { dropSend, keepSend, waitingSend } from "./send_outbox.js";

const form = document.getElementById("compose-form");
const channel = form.dataset.channel;
const fieldsBox = document.getElementById("form-fields");
const banner = document.getElementById("form-banner");
const sendButton = document.getElementById("send-button");
const controls = new Map();
let sending = false;
let sent = false;
let leaving = false;  // the user chose to open something else (an existing conversation)
let patientRequest = 0;
const watchers = [];  // [names, fn]: "suggestions" fields follow other fields
// One key for this screen's send, the same for every retry: a send whose answer was lost is not stored twice.
let sendKey = newSendKey();
const RETRY_MS = 10000;
let waiting = null;  // the send kept until the connection returns ({key, payload, ...}), null when none
let flushing = false;
const waitBox = h("div", {
  id: "send-waiting", class: "banner banner-warning send-waiting", role: "status", hidden: true });
const draftStatus = h("span", { class: "draft-status", role: "status" });
sendButton.after(draftStatus);
sendButton.closest(".form-actions").before(waitBox);  // beside the button the user just pressed
const sendHint = form.querySelector(".form-actions .hint");
let drafts = null;

async function load() {
  const r = await api(`channels/${encodeURIComponent(channel)}/form`);
  if (!r.ok) {
    fieldsBox.replaceChildren();
    showBanner(allMessages(r.errors));
    return;
  }
  const ctx = {
    onPatientChange, dropTarget: form, actingAs: () => controls.get("acting_as")?.get() ?? null,
    watch: (names, fn) => watchers.push([names, fn]),
    valueOf: (name) => controls.get(name)?.get() ?? null,
    allowLeave: () => { leaving = true; },
    setErrors: (name, messages) => controls.get(name)?.setErrors(messages),  // a "suggestions" answer's errors
  };
  fieldsBox.replaceChildren(...r.data.fields.map((spec) => {
    const control = renderField(spec, ctx);
    controls.set(spec.name, control);
    if (control.autofillable && spec.default !== null && spec.default !== undefined) control.autofill(spec.default);
    return control.el;
  }));
  sendButton.disabled = false;
  await prefillFromLink(controls, onPatientChange);
  noteGiven();
  for (const [, fn] of watchers) fn();  // defaults (a patient given by the channel) count as changes
  await restoreDraft();
  form.dataset.ready = "true";
  await resumeWaiting();
  const first = [...controls.values()].find((c) => c.name !== "acting_as" && c.isEmpty());
  if (first) first.focus();
}

// What the link gave (?patient=, ?objet=, ?destinataire=) is not the user's typing while it is unchanged: opening
// a screen from a patient's page and leaving it keeps no draft, and the screen's own draft is still taken back.
const given = new Map();

function noteGiven() {
  for (const c of controls.values()) if (!c.isEmpty() && !c.isAutofilled()) given.set(c.name, JSON.stringify(c.draft()));
}

const typedSomething = () => [...controls.values()].some((c) => c.name !== "acting_as" && !c.isEmpty()
  && !c.isAutofilled() && given.get(c.name) !== JSON.stringify(c.draft()));

/**
 * The screen's draft (kernel drafts, per account: the same on every device): taken back when the screen opens,
 * saved as the user types. A screen opened about a patient (?patient=) has a draft of its own.
 */
function screenName() {
  const patientId = Number(new URLSearchParams(location.search).get("patient"));
  return `channel:${channel}${Number.isInteger(patientId) && patientId > 0 ? `:patient:${patientId}` : ""}`;
}

async function restoreDraft() {
  drafts = createDraftSaver({
    screen: screenName(), status: draftStatus,
    collect: () => {
      const fields = {};
      const files = [];
      for (const control of controls.values()) {
        if (control.displayOnly) continue;
        fields[control.name] = control.draft();
        if (control.spec.type === "attachments") files.push(...control.get());
      }
      return { fields, attachments: files };
    },
    isEmpty: () => !typedSomething(),
  });
  const draft = await drafts.load();
  if (!draft || typedSomething()) return;
  const files = new Map((draft.attachments || []).map((a) => [a.id, a]));
  for (const [name, value] of Object.entries(draft.fields || {})) {
    const control = controls.get(name);
    if (!control || control.displayOnly || value === null || value === undefined) continue;
    try {
      if (control.spec.type === "attachments") control.set((value || []).map((id) => files.get(id)).filter(Boolean));
      else if (control.spec.type === "patient") await restorePatient(control, value);
      else if (control.spec.type === "select") {
        // A choice no longer offered (a delegation withdrawn since) leaves the screen's own default.
        const before = control.get();
        control.set(value);
        if (control.get() === null && before !== null) control.set(before);
      } else control.set(value);
    } catch { /* a field whose shape changed since: left as the screen gives it */ }
  }
  for (const [, fn] of watchers) fn();
  draftStatus.textContent = "Brouillon repris";
}

/** A patient is taken back only if the account may still see them (as ?patient= does). */
async function restorePatient(control, patientId) {
  if (!Number.isInteger(patientId)) return;
  const r = await api(`patients/${patientId}`);
  if (!r.ok || !r.data.patient) return;
  control.set(r.data.patient);
  onPatientChange(patientId);
}

/** A patient was chosen or removed: ask the channel for its defaults again and fill what is still empty. */
async function onPatientChange(patientId) {
  const request = ++patientRequest;
  const query = patientId ? `?patient=${patientId}` : "";
  const r = await api(`channels/${encodeURIComponent(channel)}/form${query}`);
  if (!r.ok || request !== patientRequest) return;
  for (const spec of r.data.fields) {
    const control = controls.get(spec.name);
    if (!control || !control.autofillable) continue;
    // Never overwrite what the user typed; only fill empty fields or replace an earlier automatic value.
    if (control.isEmpty() || control.isAutofilled()) control.autofill(spec.default ?? null);
  }
}

function showBanner(messages, intro) {
  banner.replaceChildren();
  if (!messages.length && !intro) {
    banner.hidden = true;
    return;
  }
  if (intro) banner.append(h("p", { class: "banner-title" }, intro));
  if (messages.length) banner.append(h("ul", {}, messages.map((m) => h("li", {}, m))));
  banner.hidden = false;
}

function showErrors(errors) {
  const general = [];
  let firstField = null;
  for (const control of controls.values()) control.setErrors([]);
  for (const [name, messages] of Object.entries(errors)) {
    const control = controls.get(name) || childControl(name);
    if (control) {
      control.setErrors(messages);
      firstField = firstField || control;
    } else if (name.startsWith("_") || name === "channel") {
      general.push(...messages);
    } else {
      general.push(...messages.map((m) => `${name} : ${m}`));  // a field this screen does not show
    }
  }
  const intro = firstField ? "Le message n'a pas été envoyé : corrigez les champs signalés." : "Le message n'a pas été envoyé.";
  showBanner(general, intro);
  // Field order, not error order: the first wrong field on screen gets the focus.
  (form.closest(".compose") || banner).scrollIntoView({ block: "start" });  // title and banner in view
  const ordered = [...controls.values()].find((c) => errors[c.name] || hasChildError(c.name, errors));
  if (ordered) {
    const child = Object.keys(errors).map(childControl).find(Boolean);
    (errors[ordered.name] || !child ? ordered : child).focus();
  }
}

/** "answers.size": the sub-field "size" of the fieldset "answers" (kernel/channel.py, "fieldset"). */
function childControl(name) {
  const dot = name.indexOf(".");
  return dot > 0 ? controls.get(name.slice(0, dot))?.child?.(name.slice(dot + 1)) ?? null : null;
}

function hasChildError(name, errors) {
  return Object.keys(errors).some((key) => key.startsWith(`${name}.`));
}

// Fields whose emptiness the browser can tell as surely as the server (kernel/schemas/french.py's words).
const SAID_EMPTY = new Set(["text", "person", "patient", "message"]);

async function send() {
  if (sending || sent || waiting || form.dataset.ready !== "true") return;
  sending = true;
  sendButton.disabled = true;
  sendButton.textContent = "Envoi en cours…";
  form.setAttribute("aria-busy", "true");
  try {
    await Promise.all([...controls.values()].map((c) => c.pending()));
    // Nothing typed is dropped: text left in a picker becomes a choice or stops the send at its field.
    const unresolved = {};
    for (const control of controls.values()) {
      const message = control.unresolved();
      if (message) unresolved[control.name] = [message];
    }
    if (Object.keys(unresolved).length) {
      // Said with the empty required fields, as the server would say them: all corrected in one go.
      for (const control of controls.values()) {
        if (control.spec.required && !unresolved[control.name] && SAID_EMPTY.has(control.spec.type)
            && control.isEmpty()) unresolved[control.name] = ["Ce champ est obligatoire."];
      }
      showErrors(unresolved);
      return;
    }
    const draft = {};
    for (const control of controls.values()) {
      if (!control.displayOnly) draft[control.name] = control.get();
    }
    const r = await post(draft, sendKey);
    if (r.ok) {
      done(r);
      return;
    }
    if (r.status === 0) {
      await wait({ key: sendKey, payload: draft });
      return;
    }
    showErrors(r.errors);
  } finally {
    sending = false;
    form.removeAttribute("aria-busy");
    if (!sent && !waiting) {
      sendButton.disabled = false;
      sendButton.textContent = "Envoyer";
    }
  }
}

function post(payload, key) {
  return api(`channels/${encodeURIComponent(channel)}/exchanges`,
    { method: "POST", json: payload, headers: { "Idempotency-Key": key } });
}

/** Sent: the server removed the draft in the send's transaction; on to the new exchange. */
function done(r) {
  sent = true;
  if (waiting) dropSend(waiting.key);
  drafts?.stop();
  location.assign(`/echanges/${r.data.exchange.id}`);
}

/** No connection: the send waits here (and in this browser, for a reload) and leaves once the connection is back. */
async function wait(item) {
  const account = await whoAmI();
  waiting = { ...item, account, screen: screenName(), channel };
  if (account !== null) keepSend(waiting);
  await drafts?.saveNow();  // the screen as written, for a reload while offline (the send keeps only ids)
  sendKey = item.key;
  for (const control of controls.values()) control.setErrors([]);
  showBanner([]);
  sendButton.disabled = true;
  sendButton.textContent = "En attente de connexion…";
  fieldsBox.inert = true;  // what leaves is what was written: changing it now would not change the send
  const cancel = h("button", { type: "button", class: "btn btn-secondary" }, "Annuler l’envoi");
  cancel.addEventListener("click", stopWaiting);
  waitBox.replaceChildren(
    h("p", { class: "banner-title" }, "En attente de connexion…"),
    h("p", {}, "Votre envoi est gardé sur cet appareil. Il partira tout seul dès le retour de la connexion, "
      + "puis l’échange s’ouvrira."),
    h("p", { class: "send-waiting-actions" }, cancel));
  waitBox.hidden = false;
  if (sendHint) sendHint.hidden = true;
  waitBox.scrollIntoView({ block: "nearest" });
}

function backToForm() {
  waitBox.hidden = true;
  if (sendHint) sendHint.hidden = false;
  fieldsBox.inert = false;
  sendButton.disabled = false;
  sendButton.textContent = "Envoyer";
}

/** The user takes the send back to change it: nothing leaves; the next send gets a new key. */
function stopWaiting() {
  if (!waiting || flushing) return;
  dropSend(waiting.key);
  waiting = null;
  sendKey = newSendKey();
  backToForm();
  sendButton.focus();
}

/** Try the waiting send again: sent (on to its exchange), refused (back to the form, with why), or still offline. */
async function flush() {
  if (!waiting || flushing || sent) return;
  flushing = true;
  try {
    const r = await post(waiting.payload, waiting.key);
    if (r.ok) {
      done(r);
      return;
    }
    // Still no connection, the server down, or the session ended (api() goes to the login page): later.
    if (r.status === 0 || r.status === 401 || r.status >= 500) return;
    dropSend(waiting.key);
    waiting = null;
    sendKey = newSendKey();
    backToForm();
    showErrors(r.errors);
  } finally {
    flushing = false;
  }
}

/** A send kept by an earlier visit of this screen (reloaded while offline): shown waiting, and tried now. */
async function resumeWaiting() {
  const kept = waitingSend(await whoAmI(), screenName());
  if (!kept) return;
  await wait(kept);
  flush();
}

window.addEventListener("online", flush);
setInterval(flush, RETRY_MS);

// The banner's "correct the fields" goes once every field error was dealt with.
const settle = () => requestAnimationFrame(() => {
  if (!banner.hidden && !banner.querySelector("li") && !form.querySelector(".has-error")) showBanner([]);
});
form.addEventListener("input", settle);
form.addEventListener("change", settle);

/** Tell the watchers of a field that its value changed (pickers fire "change"; text fields "input"). */
function notifyWatchers(event) {
  const name = event.target.closest?.("[data-field]")?.dataset.field;
  if (!name) return;
  for (const [names, fn] of watchers) if (names.includes(name)) fn(name);
}
form.addEventListener("change", notifyWatchers);
form.addEventListener("input", notifyWatchers);
// Saved as the user types (debounced), once the screen is built and its draft taken back.
const saveDraft = () => { if (form.dataset.ready === "true" && !sent) drafts?.schedule(); };
form.addEventListener("input", saveDraft);
form.addEventListener("change", saveDraft);

form.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
onSendShortcut(form, send);
form.addEventListener("keydown", (event) => {
  // Enter in a one-line field must not send a half-written form; Ctrl+Enter does.
  if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && event.target.tagName === "INPUT") {
    event.preventDefault();
  }
});
window.addEventListener("beforeunload", (event) => {
  // Kept as a draft already: nothing to lose. Only what the last few hundred milliseconds typed is asked about.
  // A send waiting for the connection is kept in this browser too (send_outbox.js).
  const kept = waiting !== null && waiting.account !== null;
  // Logged out in another tab (logout_elsewhere.js): this page goes to the login page without asking.
  const loggedOut = document.documentElement.dataset.loggedOutElsewhere === "true";
  if (typedSomething() && !sent && !leaving && !kept && !loggedOut && (!drafts || drafts.unsaved())) {
    event.preventDefault();
  }
});

load();
