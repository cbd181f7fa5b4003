// "Vu par …" on each message (CONV-8): who saw it and when, kept current by receipt.created events.

import { h } from "./dom.js";
import { atTime, fullDate } from "./format.js";

export class Receipts {
  constructor(list) {
    this.list = list;
    this.accountId = null;  // one's own reading is not news to oneself
    this.byMessage = new Map();  // message id -> Map(account id -> {name, readAt})
    this.expanded = new Set();  // message ids whose list of readers is unfolded
    list.addEventListener("click", (event) => {
      const toggle = event.target.closest(".receipt-toggle");
      if (!toggle) return;
      const id = Number(toggle.closest("[data-id]").dataset.id);
      if (this.expanded.has(id)) this.expanded.delete(id);
      else this.expanded.add(id);
      this.renderOne(toggle.closest("[data-id]"));
    });
  }

  /** The `messages` of GET /exchanges/<id>/receipts: {message id: [{account, read_at}]}. */
  load(data) {
    for (const [messageId, reads] of Object.entries(data.messages || {})) {
      for (const read of reads) this.add(Number(messageId), read.account, read.read_at);
    }
    this.render();
  }

  /** The data of a receipt.created event. */
  receive(data) {
    for (const messageId of data.messages || []) this.add(messageId, data.account, data.read_at);
    this.render((data.messages || []).map(Number));
  }

  add(messageId, account, readAt) {
    if (!this.byMessage.has(messageId)) this.byMessage.set(messageId, new Map());
    const readers = this.byMessage.get(messageId);
    // label: « Isabelle ROUX pour le compte de Dr BERNARD » when the reader reads through a delegation.
    if (!readers.has(account.id)) readers.set(account.id, { name: account.label || account.name, readAt });
  }

  readers(messageId) {
    return [...(this.byMessage.get(messageId) || new Map()).entries()]
      .filter(([id]) => id !== this.accountId).map(([, reader]) => reader)
      .sort((a, b) => String(a.readAt).localeCompare(String(b.readAt)));
  }

  /** Draw every message's slot, or only those of `ids`. */
  render(ids = null) {
    const items = ids ? ids.map((id) => this.list.querySelector(`.msg[data-id="${id}"]`)).filter(Boolean)
      : [...this.list.querySelectorAll(".msg")];
    items.forEach((item) => this.renderOne(item));
  }

  renderOne(item) {
    const slot = item.querySelector(".msg-receipt");
    if (!slot) return;
    const id = Number(item.dataset.id);
    const readers = this.readers(id);
    slot.hidden = !readers.length;
    if (!readers.length) { slot.replaceChildren(); return; }
    const open = this.expanded.has(id);
    const label = readers.length === 1 ? `Vu par ${readers[0].name}` : `Vu par ${readers.length}`;
    const listId = `lecteurs-${id}`;
    slot.replaceChildren(
      h("button", { type: "button", class: "receipt-toggle", "aria-expanded": open ? "true" : "false", "aria-controls": listId,
        title: readers.map((r) => `${r.name} : ${fullDate(r.readAt)}`).join("\n") },
      label),
      h("ul", { class: "receipt-list", id: listId, hidden: !open },
        readers.map((r) => h("li", {}, h("span", { class: "receipt-name" }, r.name), " ",
          h("time", { datetime: r.readAt, title: fullDate(r.readAt) }, `vu ${atTime(r.readAt)}`)))));
  }
}
