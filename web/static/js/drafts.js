// Nothing typed is lost: a screen's draft is saved on the server as the user types (debounced), read back on
// return (a reload, another device), and kept in this browser while the server cannot be reached.

import { api } from "./api.js";

const LOCAL = "relais.draft.";  // + account id + "." + screen: only while the server has not got it (offline)
const DELAY = 800;
let me = null;
let forgotten = null;  // the prefix of the account that logged out from this page

/** The signed-in account's id (null when the server cannot be reached): what this browser keeps is per account,
 * so that another person signing in on the same browser never sees, nor sends, someone else's words. */
export async function whoAmI() {
  if (me === null) {
    const r = await api("me");
    if (r.ok) me = r.data.account.id;
  }
  return me;
}

function local(key) {
  try { return key ? JSON.parse(localStorage.getItem(key) || "null") : null; } catch { return null; }
}

function keepLocal(key, draft) {
  if (!key || (forgotten && key.startsWith(forgotten))) return false;  // logged out: nothing kept any more
  try {
    localStorage.setItem(key, JSON.stringify({ ...draft, saved_at: new Date().toISOString() }));
    return true;
  } catch {
    return false;  // full or unavailable
  }
}

function dropLocal(key) {
  try { if (key) localStorage.removeItem(key); } catch { /* unavailable */ }
}

/**
 * createDraftSaver({screen, collect() -> {fields, attachments}, isEmpty(draft), status})
 * screen: "channel:<name>", "channel:<name>:patient:<id>" or "exchange:<id>" (kernel/services/drafts.py).
 * Returns {load() -> draft|null, schedule(), saveNow(), unsaved(), stop()}; load's draft has attachments as [{id, filename, size}]
 * (only those the account may still send) and fields as saved.
 */
export function createDraftSaver({ screen, collect, isEmpty, status = null }) {
  const url = `drafts/${encodeURIComponent(screen)}`;
  let timer = null;
  let stopped = false;
  let saved = null;  // JSON of what the server holds (null: nothing)
  let dirty = false;  // typed since the last save (here or on the server)
  let localKey = null;  // known once the account is

  function say(text) {
    if (status) status.textContent = text;
  }

  async function save() {
    timer = null;
    if (stopped) return;
    const draft = collect();
    const json = JSON.stringify(draft);
    if (json === saved) {
      dirty = false;
      return;
    }
    if (isEmpty(draft)) {
      dropLocal(localKey);
      if (saved !== null) {
        const r = await api(url, { method: "DELETE" });
        if (r.ok) saved = null;
      }
      dirty = false;
      say("");
      return;
    }
    const r = await api(url, { method: "PUT", json: draft });
    if (stopped) return;
    if (r.ok) {
      saved = json;
      dirty = false;
      dropLocal(localKey);
      say("Brouillon enregistré");
    } else if (r.status === 0) {  // no network: kept here, sent to the server once it answers again
      if (keepLocal(localKey, draft)) {
        dirty = false;
        say("Brouillon gardé sur cet appareil (hors connexion)");
      } else {
        say("");
      }
    } else {
      say("");
    }
  }

  function schedule() {
    if (stopped) return;
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  async function load() {
    const account = await whoAmI();
    localKey = account === null ? null : `${LOCAL}${account}.${screen}`;
    const kept = local(localKey);
    const r = await api(url);
    const server = (r.ok && r.data?.draft) || null;  // 204: no draft of this screen on the server
    if (server) saved = JSON.stringify({ fields: server.fields, attachments: server.attachments.map((a) => a.id) });
    if (kept && (!server || kept.saved_at > server.updated_at)) {
      // Written offline after the server's copy: this one is newer. Its files are shown only if the server
      // confirms them (the next save checks they are the account's own).
      const files = server ? server.attachments.filter((a) => (kept.attachments || []).includes(a.id)) : [];
      schedule();
      return { fields: kept.fields || {}, attachments: files, local: true };
    }
    return server;
  }

  window.addEventListener("online", () => { if (local(localKey)) schedule(); });
  return {
    load, schedule,
    /** Save now, not after the typing pause (a send that waits for the connection: its words kept at once). */
    saveNow() {
      clearTimeout(timer);
      return save();
    },
    /** Something typed is not kept anywhere yet (leaving now would lose it). */
    unsaved: () => dirty,
    /** The screen was sent: the server removed its draft in the send's transaction; nothing more to save. */
    stop() {
      stopped = true;
      clearTimeout(timer);
      dropLocal(localKey);
      say("");
    },
  };
}

/** Logging out (a shared workstation): the account's drafts kept in this browser go (the server's stay: they
 * are the account's, found again at the next sign-in), and none is kept from this page any more. */
export function forgetLocalDrafts(account) {
  forgotten = `${LOCAL}${account}.`;
  try {
    const mine = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (key && key.startsWith(forgotten)) mine.push(key);
    }
    for (const key of mine) localStorage.removeItem(key);
  } catch { /* unavailable */ }
}

window.addEventListener("pageshow", (event) => { if (event.persisted) forgotten = null; });

/** A key for one send, the same for every retry of it (Idempotency-Key): the server stores it once. */
export function newSendKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
