// One exchange in a list (inbox, patient page): subject, patient (its own link), members, date, unread.

import { h } from "./dom.js";
import { fullDate, shortDate } from "./format.js";

/** A channel's label as the name of what it makes: "Démarrer une téléexpertise" -> "Téléexpertise", "Envoyer des
 * documents" -> "Documents", "Écrire à un patient" -> "Message à un patient" (a verb's "à …" needs a noun). */
export function channelNoun(label) {
  let noun = String(label || "").replace(/^(démarrer|envoyer|rédiger|échanger avec|écrire)\s+/i, "");
  if (noun !== String(label || "")) noun = noun.replace(/^(une?|des|les?|la)\s+|^l[’']/i, "");
  if (/^(à|au|aux)\s/i.test(noun)) noun = `message ${noun}`;
  return noun ? noun[0].toUpperCase() + noun.slice(1) : "";
}

/**
 * exchangeRow(exchange, {myIdentities: Set, channels: Map(name -> channel), showPatient})
 * The whole row opens the exchange; the patient's name opens the patient's page.
 */
export function exchangeRow(exchange, { myIdentities = new Set(), channels = null, showPatient = true } = {}) {
  const others = exchange.members.filter((m) => !myIdentities.has(m.id));
  const members = (others.length ? others : exchange.members).map((m) => m.display_name).join(", ");
  const unread = exchange.unread > 0;
  const when = exchange.last_message_at || exchange.created_at;
  const channel = channels ? channels.get(exchange.channel) : null;
  return h("li", { class: `exchange${unread ? " unread" : ""}`, dataset: { id: exchange.id, channel: exchange.channel } },
    h("div", { class: "exchange-main" },
      h("span", { class: "exchange-title" },
        // The tooltip is the channel's own label: its group's identifier is no name for users (platform_name is).
        channels ? h("span", { class: "exchange-channel", title: channel ? channel.label : "" },
          channel ? channelNoun(channel.label) : exchange.channel) : null,
        h("a", { href: `/echanges/${exchange.id}`, class: "exchange-link exchange-subject" }, exchange.subject),
        statusChip(exchange.status_label)),
      showPatient && exchange.patient ? h("span", { class: "exchange-patient" },
        h("a", { href: `/patients/${exchange.patient.id}`, class: "patient-link", title: "Tous les échanges au sujet de ce patient" },
          exchange.patient.display_name)) : null,
      members ? h("span", { class: "exchange-members" }, members) : null),
    h("span", { class: "exchange-side" },
      h("time", { datetime: when, title: fullDate(when) }, shortDate(when)),
      unread ? h("span", { class: "badge", role: "img", "aria-label": `${exchange.unread} non lu${exchange.unread > 1 ? "s" : ""}` },
        String(exchange.unread)) : null));
}

/** A channel's status for the row ("Demandée", "Répondue"...): {text, level} from the exchange summary. */
export function statusChip(label) {
  if (!label || !label.text) return null;
  const level = ["info", "success", "warning", "danger"].includes(label.level) ? label.level : "info";
  return h("span", { class: `exchange-status exchange-status-${level}` }, label.text);
}
