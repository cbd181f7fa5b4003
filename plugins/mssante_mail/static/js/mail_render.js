// How one mail of a mail thread looks: De, À, Cc, date, subject, the HTML body, attachments, and for a
// mail sent from here the delivery status of each recipient.

import { h } from "relais/dom.js";
import { dayKey, fullDate } from "relais/format.js";
import { renderAttachments } from "relais/messages.js";

const DROP = "script, style, iframe, frame, object, embed, form, input, button, textarea, select, link, meta, base, svg, math";
const URL_ATTRIBUTES = ["href", "src", "action", "formaction", "xlink:href"];
const STATUS_CLASS = { pending: "pending", sent: "sent", delivered: "delivered", read: "read", failed: "failed" };

/**
 * The body was sanitised on the server (nh3 allowlist). It is still parsed inertly (a <template>: no
 * script runs, nothing loads) and cleaned again here before it joins the page: no element that can run
 * code, no event attribute, no javascript: address. Links open in a new tab, without the opener.
 */
export function safeBody(html) {
  const template = document.createElement("template");
  template.innerHTML = String(html || "");
  template.content.querySelectorAll(DROP).forEach((el) => el.remove());
  for (const el of template.content.querySelectorAll("*")) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
      if (name.startsWith("on") || name === "style" || name === "srcset"
        || (URL_ATTRIBUTES.includes(name) && !/^(https?:|mailto:|#|\/(?!\/))/.test(value) && value !== "")) {
        el.removeAttribute(attr.name);
      }
    }
    if (el.tagName === "A") {
      el.setAttribute("target", "_blank");
      el.setAttribute("rel", "noopener noreferrer");
    }
  }
  return document.importNode(template.content, true);
}

function person(name, address) {
  if (!address) return name || "";
  return name && name !== address ? `${name} <${address}>` : address;
}

function line(label, value, cls) {
  if (!value) return null;
  return h("div", { class: `mail-field ${cls}` }, h("dt", {}, label), h("dd", {}, value));
}

/** The data.mail of a message (with sensible values for a mail the kernel stored without it). */
export function mailFacts(message) {
  return (message.data && message.data.mail) || {};
}

export function renderMail(message) {
  const mail = mailFacts(message);
  const out = mail.direction === "out";
  const created = message.created_at;
  const from = person(mail.from_name || message.acting_as?.name || message.author?.name, mail.from);
  return h("li", {
    class: `msg msg-mail${out ? " msg-mine" : ""}`, id: `message-${message.id}`,
    dataset: { id: message.id, day: dayKey(created), kind: "mail", direction: mail.direction || "" },
  },
  h("div", { class: "mail-head" },
    h("h2", { class: "mail-subject" }, mail.subject || ""),
    h("time", { datetime: created, title: fullDate(created) }, fullDate(created))),
  h("dl", { class: "mail-fields" },
    line("De", from, "mail-from"),
    line("À", (mail.to || []).join(", "), "mail-to"),
    line("Cc", (mail.cc || []).join(", "), "mail-cc")),
  h("div", { class: "mail-body" }, safeBody(message.body)),
  message.attachments && message.attachments.length ? renderAttachments(message.attachments) : null,
  out ? h("div", { class: "mail-status", hidden: true }) : null);
}

/** Fill a sent mail's status slot: one line per recipient (en attente, envoyé, remis, lu, échec + reason). */
export function renderStatus(item, recipients) {
  const slot = item && item.querySelector(".mail-status");
  if (!slot) return;
  slot.hidden = !recipients || !recipients.length;
  if (slot.hidden) return;
  slot.replaceChildren(h("span", { class: "mail-status-title" }, "Suivi de l'envoi :"),
    h("ul", { class: "mail-status-list" }, recipients.map((r) => h("li", {
      class: `status status-${STATUS_CLASS[r.status] || "pending"}`, dataset: { address: r.address, status: r.status },
      title: r.updated_at ? `Mis à jour ${fullDate(r.updated_at)}` : false,
    },
    h("span", { class: "status-address" }, r.role === "cc" ? `${r.address} (Cc)` : r.address), " ",
    h("span", { class: "status-label" }, r.label),
    r.status === "failed" && r.reason ? failure(r.reason) : null))));
}

/** The kernel's French explanation, then the receiving server's own reply on a details line of its own. */
function failure(reason) {
  const [said, details] = reason.split(" Détails : ");
  return h("span", { class: "status-reason" }, ` : ${said}`,
    details ? h("span", { class: "status-details" }, `Détails : ${details}`) : null);
}
