// How one message of a thread looks: author, "pour le compte de", time, text, attachments, receipts slot.

import { h } from "./dom.js";
import { dayKey, dayLabel, fileSize, fullDate, timeOf } from "./format.js";
import { icon } from "./icons.js";

const INLINE_PICTURES = ["image/png", "image/jpeg", "image/gif", "image/webp"];  // what the server shows inline

/** Did the author write for someone else (a structure, a colleague)? Named as receipts and the platform's
 * lines name them: the server's label (« Dr BERNARD » for a physician, kernel/services/behalf.py). */
function onBehalf(message) {
  const { author, acting_as: actingAs } = message;
  if (!author || !actingAs) return null;
  const label = actingAs.label || actingAs.name;
  if (author.identity_id !== undefined) return author.identity_id === actingAs.id ? null : label;
  return author.name === actingAs.name ? null : label;
}

/** Who wrote: in one's own name, the identity's name as the participants line and the directory give it
 * (« Dr Thomas DURAND »); for someone else, the delegate's own name, followed by « pour le compte de ». */
function authorName(message) {
  const { author, acting_as: actingAs } = message;
  if (!author) return actingAs?.name || "Expéditeur externe";
  return actingAs && author.identity_id === actingAs.id ? actingAs.name : author.name;
}

export function isPicture(attachment) {
  return INLINE_PICTURES.includes(attachment.content_type);
}

export function isPdf(attachment) {
  return attachment.content_type === "application/pdf";
}

/** The address that downloads a file under its original name. */
export function downloadUrl(attachment) {
  return `${attachment.url}${attachment.url.includes("?") ? "&" : "?"}download=1`;
}

export function renderMessage(message, { accountId }) {
  const created = message.created_at;
  const time = h("time", { datetime: created, title: fullDate(created) }, timeOf(created));
  if (message.kind === "system") {
    return h("li", { class: "msg-system", id: `message-${message.id}`, dataset: { id: message.id, day: dayKey(created) } },
      h("span", {}, message.body), " ", time);
  }
  const mine = message.author && message.author.id === accountId;
  const behalf = onBehalf(message);
  const synthesis = message.kind === "synthesis";
  return h("li", {
    class: `msg${mine ? " msg-mine" : ""}${synthesis ? " msg-synthesis" : ""}`, id: `message-${message.id}`,
    dataset: { id: message.id, day: dayKey(created), author: message.author ? message.author.id : "", kind: message.kind },
  },
  h("div", { class: "msg-meta" },
    h("span", { class: "msg-author" }, authorName(message)),
    behalf ? h("span", { class: "msg-behalf" }, `pour le compte de ${behalf}`) : null,
    time),
  message.body ? h("div", { class: "msg-body" }, synthesis ? icon("file") : null, message.body) : null,
  message.attachments && message.attachments.length ? renderAttachments(message.attachments) : null,
  h("div", { class: "msg-receipt", hidden: true }));
}

function transferButton(attachment) {
  return h("button", { type: "button", class: "btn-inline transfer-open", dataset: { transfer: attachment.id },
    "aria-haspopup": "true", title: `Envoyer « ${attachment.filename} » vers votre logiciel métier` },
  "Envoyer vers mon logiciel");
}

function fileLink(a) {
  const label = [icon("file"), a.filename];
  if (isPdf(a)) {
    // The browser's PDF viewer, in a new tab; the download link next to it keeps the original name.
    return h("a", { href: a.url, target: "_blank", rel: "noopener", class: "file-link", title: "Ouvrir dans un nouvel onglet" },
      ...label);
  }
  return h("a", { href: downloadUrl(a), download: a.filename, class: "file-link", title: "Télécharger" }, ...label);
}

export function renderAttachments(attachments) {
  const pictures = attachments.filter(isPicture);
  const files = attachments.filter((a) => !isPicture(a));
  return h("div", { class: "msg-attachments" },
    pictures.length ? h("div", { class: "thumbs" }, pictures.map((a) => h("figure", { class: "thumb-card", dataset: { attachmentId: a.id } },
      h("a", { href: a.url, target: "_blank", rel: "noopener", class: "thumb", dataset: { viewer: "", name: a.filename, download: downloadUrl(a) },
        title: `${a.filename} (${fileSize(a.size)}) : cliquer pour agrandir` },
      h("img", { src: a.url, alt: a.filename, loading: "lazy" })),
      h("figcaption", {}, h("span", { class: "thumb-name", title: a.filename }, a.filename), transferButton(a))))) : null,
    files.length ? h("ul", { class: "files" }, files.map((a) => h("li", { dataset: { attachmentId: a.id } },
      fileLink(a),
      h("span", { class: "attachment-size" }, fileSize(a.size)),
      isPdf(a) ? h("a", { href: downloadUrl(a), download: a.filename, class: "btn-inline" }, "Télécharger") : null,
      transferButton(a)))) : null);
}

/** Put "Aujourd'hui" / "Hier" / date lines before the first message of each day. */
export function refreshDaySeparators(list) {
  list.querySelectorAll(".day-separator").forEach((el) => el.remove());
  let previous = null;
  for (const item of [...list.children]) {
    const day = item.dataset.day;
    const time = item.querySelector("time[datetime]");
    if (day && day !== previous && time) {  // a plugin's message without its <time> gets no separator
      list.insertBefore(h("li", { class: "day-separator" },
        h("span", {}, dayLabel(time.getAttribute("datetime")))), item);
      previous = day;
    }
  }
}
