// The reply box of a thread: auto-growing text, one attachment button, Ctrl+Enter sends.
// What is typed is saved as a draft (drafts.js); a message sent without a connection waits in this browser
// (« En attente d'envoi ») and leaves once the connection is back, exactly once (its Idempotency-Key).

import { allMessages, api } from "./api.js";
import { createAttachments } from "./attachments.js";
import { autogrow, h, onSendShortcut } from "./dom.js";
import { createDraftSaver, newSendKey, whoAmI } from "./drafts.js";
import { storeReplies as saveOutbox, waitingReplies as outbox } from "./send_outbox.js";

// The waiting replies live in localStorage "relais.outbox" ([{key, account, exchangeId, body, attachments, at}]),
// kept by send_outbox.js, which also forgets them at logout.
const RETRY = 15000;
const NOT_KEPT = "Pas de connexion, et ce message n’a pas pu être gardé dans ce navigateur : il reste ci-dessus, "
  + "renvoyez-le une fois la connexion revenue.";

/** createComposer(form, {exchangeId, onSent(message)}) wires the server-rendered composer form. */
export function createComposer(form, { exchangeId, onSent }) {
  const textarea = autogrow(form.querySelector("textarea"));
  const button = form.querySelector("button[type=submit]");
  const error = form.querySelector(".field-error");
  const attachments = createAttachments({ inputId: "composer-files", dropTarget: form, onError: showError });
  form.querySelector(".composer-attachments").append(attachments.el);
  const draftStatus = h("span", { class: "draft-status", role: "status" });
  form.querySelector(".composer-tools").append(draftStatus);
  const pendingList = h("ul", { class: "outbox", "aria-live": "polite" });
  form.prepend(pendingList);
  const drafts = createDraftSaver({
    screen: `exchange:${exchangeId}`, status: draftStatus,
    collect: () => ({ fields: { body: textarea.value }, attachments: attachments.get() }),
    isEmpty: (d) => !d.fields.body.trim() && !d.attachments.length,
  });
  let sending = false;
  let flushing = false;
  let account = null;  // only this account's waiting messages are shown and sent from this page
  const waiting = () => outbox().filter((i) => account !== null && i.account === account && i.exchangeId === exchangeId);

  function showError(messages) {
    error.hidden = !messages.length;
    error.replaceChildren(...messages.map((m) => h("span", {}, m, " ")));
    if (messages.length) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
  }

  function showPending() {
    pendingList.replaceChildren(...waiting().map((item) => h("li", { class: "outbox-item", dataset: { key: item.key } },
      h("p", { class: "outbox-body" }, item.body || `${item.attachments.length} pièce(s) jointe(s)`),
      h("span", { class: "outbox-state" }, "En attente d'envoi"))));
  }

  /** Send what waits for this exchange, oldest first; each with its own key, so a retry is never a second message. */
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of waiting()) {
        const r = await api(`exchanges/${exchangeId}/messages`, {
          method: "POST", json: { body: item.body, attachments: item.attachments }, headers: { "Idempotency-Key": item.key } });
        if (r.status === 0 || r.status >= 500) break;  // still no connection (or the server is down): later
        saveOutbox(outbox().filter((i) => i.key !== item.key));
        if (r.ok) onSent(r.data.message);
        else if (!textarea.value.trim()) {  // refused: given back to the user, with the reason
          textarea.value = item.body;
          textarea.autogrowFit();
          showError(allMessages(r.errors));
        }
      }
    } finally {
      flushing = false;
      showPending();
    }
  }

  async function send() {
    if (sending) return;
    sending = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await attachments.pending();
      const body = textarea.value;
      const ids = attachments.get();
      if (!body.trim() && !ids.length) {
        showError(["Écrivez un message ou joignez un fichier."]);
        return;
      }
      const item = { key: newSendKey(), account, exchangeId, body, attachments: ids, at: new Date().toISOString() };
      const r = await api(`exchanges/${exchangeId}/messages`, {
        method: "POST", json: { body, attachments: ids }, headers: { "Idempotency-Key": item.key } });
      if (r.status === 0 && account !== null) {
        // No connection: the message waits here and leaves by itself when the connection is back.
        if (!saveOutbox([...outbox(), item])) {  // storage unavailable, or the account logged out meanwhile
          showError([NOT_KEPT]);
          return;
        }
        showPending();
      } else if (!r.ok) {
        showError(allMessages(r.errors));
        return;
      }
      showError([]);
      textarea.value = "";
      textarea.autogrowFit();
      attachments.clear();
      drafts.schedule();  // the server removed the draft with the send; offline, the emptied box says it too
      if (r.ok) onSent(r.data.message);
    } finally {
      sending = false;
      button.disabled = false;
      form.removeAttribute("aria-busy");
      textarea.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  onSendShortcut(form, send);
  // A screenshot pasted into the box becomes an attachment.
  textarea.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) {
      event.preventDefault();
      attachments.addFiles(files);
    }
  });
  textarea.addEventListener("input", drafts.schedule);
  attachments.onChange(drafts.schedule);
  drafts.load().then((draft) => {
    if (textarea.value.trim() || attachments.get().length) {
      drafts.schedule();  // typed before the page was ready: that is the draft now
      return;
    }
    if (!draft) return;
    textarea.value = draft.fields?.body || "";
    textarea.autogrowFit();
    if (draft.attachments?.length) attachments.setSaved(draft.attachments);
    draftStatus.textContent = "Brouillon repris";
  });
  window.addEventListener("online", flush);
  setInterval(() => { if (waiting().length) flush(); }, RETRY);
  whoAmI().then((id) => {
    account = id;
    showPending();
    flush();
  });
  return { focus: () => textarea.focus() };
}
