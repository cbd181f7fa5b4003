// How one message of a thread looks: author, "pour le compte de", time, text, attachments.

import { h } from "./dom.js";
import { dayKey, dayLabel, fileSize, fullDate, timeOf } from "./format.js";
import { icon } from "./icons.js";

/** Did the author write for someone else (a structure, a colleague)? */
function onBehalf(message) {
  const { author, acting_as: actingAs } = message;
  if (!author || !actingAs) return null;
  if (author.identity_id !== undefined) return author.identity_id === actingAs.id ? null : actingAs.name;
  return author.name === actingAs.name ? null : actingAs.name;
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
  return h("li", {
    class: `msg${mine ? " msg-mine" : ""}`, id: `message-${message.id}`,
    dataset: { id: message.id, day: dayKey(created), author: message.author ? message.author.id : "" },
  },
  h("div", { class: "msg-meta" },
    h("span", { class: "msg-author" }, message.author ? message.author.name : (message.acting_as?.name || "Expéditeur externe")),
    behalf ? h("span", { class: "msg-behalf" }, `pour le compte de ${behalf}`) : null,
    time),
  message.body ? h("div", { class: "msg-body" }, message.body) : null,
  message.attachments && message.attachments.length ? renderAttachments(message.attachments) : null,
  h("div", { class: "msg-receipt", hidden: true }));
}

function renderAttachments(attachments) {
  const images = attachments.filter((a) => (a.content_type || "").startsWith("image/") && a.content_type !== "image/svg+xml");
  const files = attachments.filter((a) => !images.includes(a));
  return h("div", { class: "msg-attachments" },
    images.length ? h("div", { class: "thumbs" }, images.map((a) => h("a", {
      href: a.url, target: "_blank", rel: "noopener", class: "thumb", title: `${a.filename} (${fileSize(a.size)})`,
    }, h("img", { src: a.url, alt: a.filename, loading: "lazy" })))) : null,
    files.length ? h("ul", { class: "files" }, files.map((a) => h("li", {},
      h("a", { href: a.url, target: "_blank", rel: "noopener", class: "file-link" },
        icon("file"), a.filename),
      h("span", { class: "attachment-size" }, fileSize(a.size))))) : null);
}

/** Put "Aujourd'hui" / "Hier" / date lines before the first message of each day. */
export function refreshDaySeparators(list) {
  list.querySelectorAll(".day-separator").forEach((el) => el.remove());
  let previous = null;
  for (const item of [...list.children]) {
    const day = item.dataset.day;
    if (day && day !== previous) {
      const time = item.querySelector("time");
      list.insertBefore(h("li", { class: "day-separator", role: "presentation" },
        h("span", {}, dayLabel(time.getAttribute("datetime")))), item);
      previous = day;
    }
  }
}
