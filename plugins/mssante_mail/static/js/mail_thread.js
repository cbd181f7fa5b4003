// A mail thread's own tools (the shell's thread view for this channel): Répondre, Répondre à tous,
// Transférer, Patient, Marquer comme non lu, Supprimer, the mail writing box (rich body, attachments,
// recipients when forwarding) that uses the mail plugin's routes, and each sent mail's delivery status.

import { allMessages, api } from "relais/api.js";
import { createAttachments } from "relais/attachments.js";
import { h, onSendShortcut } from "relais/dom.js";
import { createMailPatient } from "./mail_patient.js";
import { mailFacts, renderStatus } from "./mail_render.js";
import { createPersonPicker } from "relais/person_picker.js";
import { createRichEditor } from "relais/rich_editor.js";

const CHANNEL = "mssante_mail";
const MODES = {
  reply: { title: "Répondre", send: "Envoyer la réponse" },
  all: { title: "Répondre à tous", send: "Envoyer la réponse" },
  forward: { title: "Transférer", send: "Transférer" },
};

/**
 * createMailThread({exchangeId, exchange, identities: Set, list, live, onSent(message), refreshHeader(),
 *   patient() -> the thread's patient now}) -> the thread view of relais/extensions.js
 */
export function createMailThread({ exchangeId, exchange, identities, list, live, onSent, refreshHeader, patient }) {
  const root = document.getElementById("thread");
  root.classList.add("thread-mail");
  const statuses = new Map();  // message id -> recipients
  const mails = new Map();  // message id -> the thread's mails, for Répondre and Transférer
  let mode = null;
  let sending = false;

  const own = { delete: () => remove(), unread: () => markUnread(), patient: () => choosePatient() };
  const button = (label, name, cls = "btn-secondary") => h("button", { type: "button", class: `btn ${cls}`,
    dataset: { mailAction: name }, onclick: () => (own[name] ? own[name]() : open(name)) }, label);
  const toolbar = h("div", { class: "mail-toolbar", role: "toolbar", "aria-label": "Actions sur ce mail" },
    button("Répondre", "reply"), button("Répondre à tous", "all"), button("Transférer", "forward"),
    h("span", { class: "mail-toolbar-gap" }), button("Patient", "patient"), button("Marquer comme non lu", "unread"),
    button("Supprimer", "delete", "btn-danger-outline"));
  document.getElementById("thread-scroll").before(toolbar);
  // Only received mail can be unread again: shown once the thread holds some (see noteMessages).
  const unreadButton = toolbar.querySelector("[data-mail-action=unread]");
  unreadButton.hidden = true;
  const patientPanel = createMailPatient({ exchangeId, current: patient, onSaved: () => refreshHeader() });
  toolbar.after(patientPanel.form);

  const error = h("p", { class: "field-error", role: "alert", hidden: true });
  // A received mail may ask for answers elsewhere (Reply-To): a reply must not go there unnoticed.
  const elsewhere = h("p", { class: "mail-reply-elsewhere", role: "note", hidden: true });
  const title = h("h2", { class: "mail-compose-title" });
  const recipients = createPersonPicker({ inputId: "mail-forward-to", kind: "mssante", many: true,
    placeholder: "Nom, spécialité ou adresse MSSanté…" });
  const recipientsField = h("div", { class: "field mail-compose-to", hidden: true },
    h("label", { for: "mail-forward-to", class: "field-label" }, "Destinataires"), recipients.el);
  const editor = createRichEditor({ id: "mail-reply-body", label: "Votre mail", placeholder: "Écrire le mail…" });
  const attachments = createAttachments({ inputId: "mail-reply-files", dropTarget: null, onError: showError });
  const sendButton = h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer");
  const form = h("form", { class: "mail-compose", id: "mail-compose", novalidate: true, hidden: true },
    h("div", { class: "mail-compose-head" }, title,
      h("button", { type: "button", class: "btn btn-link", onclick: close }, "Annuler")),
    elsewhere, recipientsField, editor.el, error,
    h("div", { class: "mail-compose-tools" }, attachments.el,
      h("p", { class: "hint" }, h("kbd", {}, "Ctrl"), " + ", h("kbd", {}, "Entrée"), " pour envoyer"), sendButton));
  root.append(form);

  function showError(messages) {
    error.hidden = !messages.length;
    error.textContent = messages.join(" ");
  }

  function open(next) {
    mode = next;
    const latest = lastMail();
    const facts = latest ? mailFacts(latest) : {};
    const to = facts.direction === "in" ? (facts.reply_to || facts.from_name || facts.from) : (facts.to || []).join(", ");
    title.textContent = next === "reply" && to ? `${MODES[next].title} à ${to}` : MODES[next].title;
    sendButton.textContent = MODES[next].send;
    const warning = next === "forward" ? "" : replyElsewhere();
    elsewhere.hidden = !warning;
    elsewhere.textContent = warning;
    recipientsField.hidden = next !== "forward";
    for (const b of toolbar.querySelectorAll("[data-mail-action]")) {
      b.setAttribute("aria-pressed", b.dataset.mailAction === next ? "true" : "false");
    }
    showError([]);
    form.hidden = false;
    root.classList.add("composing");
    (next === "forward" ? recipients : editor).focus();
  }

  function close() {
    mode = null;
    form.hidden = true;
    root.classList.remove("composing");
    editor.clear();
    attachments.clear();
    recipients.set([]);
    showError([]);
    for (const b of toolbar.querySelectorAll("[data-mail-action]")) b.removeAttribute("aria-pressed");
  }

  /** The latest mail of the thread (what Répondre answers and Transférer forwards). */
  function lastMail() {
    const ids = [...mails.keys()].sort((a, b) => b - a);
    return ids.length ? mails.get(ids[0]) : null;
  }

  /** « Votre réponse partira à X, qui n'est pas l'expéditeur Y » when the latest received mail (the one a
   * reply answers) has a Reply-To other than its sender; "" otherwise. */
  function replyElsewhere() {
    const received = [...mails.keys()].sort((a, b) => b - a).map((id) => mailFacts(mails.get(id)))
      .find((facts) => facts.direction === "in");
    if (!received || !received.reply_to || !received.from) return "";
    if (!received.reply_to_differs && received.reply_to.toLowerCase() === received.from.toLowerCase()) return "";
    return `Votre réponse partira à ${received.reply_to}, qui n'est pas l'expéditeur ${received.from}.`;
  }

  /** The identity this thread's mailbox belongs to: the member that is one of the account's identities. */
  function mailbox() {
    const mine = exchange.members.find((m) => identities.has(m.id));
    return mine ? mine.id : undefined;
  }

  async function send() {
    if (sending || !mode) return;
    sending = true;
    sendButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await attachments.pending();
      const body = editor.get();
      const ids = attachments.get();
      if (mode !== "forward" && !body && !ids.length) return showError(["Écrivez un message ou joignez un fichier."]);
      const to = recipients.get().map((item) => item.value);
      if (mode === "forward" && !to.length) return showError(["Choisissez au moins une personne."]);
      const json = { body, attachments: ids, acting_as: mailbox() };
      const r = mode === "forward"
        ? await api(`/${CHANNEL}/exchanges/${exchangeId}/forward`, { method: "POST",
          json: { ...json, recipients: to, message: lastMail()?.id } })
        : await api(`/${CHANNEL}/exchanges/${exchangeId}/reply`, { method: "POST", json: { ...json, all: mode === "all" } });
      if (!r.ok) return showError(allMessages(r.errors));
      if (mode === "forward") {
        location.assign(`/echanges/${r.data.exchange.id}`);  // the forward is a new mail thread
        return;
      }
      close();
      onSent(r.data.message);
    } finally {
      sending = false;
      sendButton.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  function choosePatient() {
    if (patientPanel.isOpen()) patientPanel.close();
    else patientPanel.open();
  }

  function showThreadError(messages) {
    const box = document.getElementById("thread-error");
    box.hidden = !messages.length;
    box.textContent = messages.join(" ");
  }

  /** Unread again for me (not for the other readers of the mailbox), back to the list as a mail client does. */
  async function markUnread() {
    const r = await api(`/${CHANNEL}/exchanges/${exchangeId}/unread`, { method: "POST" });
    if (!r.ok) return showThreadError(allMessages(r.errors));
    location.assign("/?espace=mail");
  }

  async function remove() {
    if (!window.confirm("Supprimer ce fil de mails de votre boîte ? Les autres personnes qui lisent cette boîte le gardent.")) return;
    const r = await api(`/${CHANNEL}/exchanges/${exchangeId}`, { method: "DELETE" });
    if (!r.ok) return showThreadError(allMessages(r.errors));
    location.assign("/?espace=mail");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  onSendShortcut(form, send);

  function paint(messageId) {
    renderStatus(list.querySelector(`.msg[data-id="${messageId}"]`), statuses.get(messageId));
  }

  /** GET /<channel>/exchanges/<id>/status: every sent mail's recipients and their statuses. */
  async function loadStatus() {
    const r = await api(`/${CHANNEL}/exchanges/${exchangeId}/status`);
    if (!r.ok) return;
    for (const [id, rows] of Object.entries(r.data.messages || {})) {
      statuses.set(Number(id), rows);
      paint(Number(id));
    }
  }

  // A status moved ({message_id, recipients}): the mail's own lines, and the header's panels, follow.
  live.on("mail.status", (event) => {
    if (event.exchange_id !== exchangeId) return;
    statuses.set(Number(event.data.message_id), event.data.recipients);
    paint(Number(event.data.message_id));
    refreshHeader();
  });
  loadStatus();

  return {
    replacesComposer: true,  // the conversation composer is not for mail
    /** Messages shown in the thread (first page, older pages, live): a received mail offers « non lu ». */
    messages(batch) {
      for (const m of batch) if (m.kind === "mail") mails.set(m.id, m);
      if (batch.some((m) => m.kind === "mail" && !m.author)) unreadButton.hidden = false;
    },
    /** A mail just shown: draw its status if already known. */
    shown(message) {
      if (statuses.has(message.id)) paint(message.id);
    },
  };
}
