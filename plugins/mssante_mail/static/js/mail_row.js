// One mail thread in the mail space's list, as a mail client shows it: who (the sender in "Boîte de
// réception", "À : …" the recipients in "Envoyés"), the subject, one line of the latest mail, the
// date, bold while unread, a paperclip when files are attached, the delivery status of what was sent.

import { h } from "relais/dom.js";
import { fullDate, shortDate } from "relais/format.js";
import { icon } from "relais/icons.js";

const STATUS_CLASS = { pending: "pending", sent: "sent", delivered: "delivered", read: "read", failed: "failed" };

function who(mail, folder) {
  if (folder === "sent" || !mail.from) {
    const names = (mail.to || []).map((r) => r.name || r.address);
    return names.length ? { text: `À : ${names.join(", ")}`, title: (mail.to || []).map((r) => r.address).join(", ") }
      : { text: "", title: "" };
  }
  const { name, address } = mail.from;
  return { text: name || address, title: name && address ? `${name} <${address}>` : address };
}

/** mailRow(exchange, {folder: "inbox"|"sent"}): exchange is a row of /mssante_mail/search (with `mail`). */
export function mailRow(exchange, { folder = "inbox" } = {}) {
  const mail = exchange.mail || {};
  const unread = exchange.unread > 0;
  const when = exchange.last_message_at || exchange.created_at;
  const person = who(mail, folder);
  const files = mail.attachments || 0;
  const status = folder === "sent" ? mail.status : null;
  return h("li", { class: `exchange mail-row${unread ? " unread" : ""}`,
    dataset: { id: exchange.id, channel: exchange.channel } },
  h("div", { class: "exchange-main" },
    h("span", { class: "mail-row-who", title: person.title || false }, person.text || "(sans destinataire)"),
    h("a", { href: `/echanges/${exchange.id}`, class: "exchange-link exchange-subject" }, exchange.subject),
    mail.preview ? h("span", { class: "mail-row-preview" }, mail.preview) : null,
    exchange.patient ? h("span", { class: "exchange-patient" },
      h("a", { href: `/patients/${exchange.patient.id}`, class: "patient-link", title: "Tous les échanges au sujet de ce patient" },
        exchange.patient.display_name)) : null),
  h("span", { class: "exchange-side" },
    h("time", { datetime: when, title: fullDate(when) }, shortDate(when)),
    h("span", { class: "mail-row-marks" },
      files ? h("span", { class: "mail-row-files", role: "img", title: `${files} pièce${files > 1 ? "s" : ""} jointe${files > 1 ? "s" : ""}`,
        "aria-label": `${files} pièce${files > 1 ? "s" : ""} jointe${files > 1 ? "s" : ""}` }, icon("paperclip")) : null,
      status ? h("span", { class: `status status-${STATUS_CLASS[status.status] || "pending"}`,
        title: `Suivi de l'envoi : ${status.label}` }, status.label) : null,
      unread ? h("span", { class: "badge", role: "img", "aria-label": `${exchange.unread} non lu${exchange.unread > 1 ? "s" : ""}` },
        String(exchange.unread)) : null)));
}
