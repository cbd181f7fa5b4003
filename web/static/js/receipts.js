// "Vu par …" under the latest message the user wrote (CONV-8), kept current by receipt.created events.

import { fullDate } from "./format.js";

export class Receipts {
  constructor(list) {
    this.list = list;
    this.byMessage = new Map();  // message id -> Map(account id -> {name, read_at})
  }

  /** The body of GET /exchanges/<id>/receipts. */
  load(data) {
    for (const [messageId, reads] of Object.entries(data.messages || {})) {
      for (const read of reads) this.add(Number(messageId), read.account, read.read_at);
    }
    this.render();
  }

  /** The data of a receipt.created event. */
  receive(data) {
    for (const messageId of data.messages || []) this.add(messageId, data.account, data.read_at);
    this.render();
  }

  add(messageId, account, readAt) {
    if (!this.byMessage.has(messageId)) this.byMessage.set(messageId, new Map());
    this.byMessage.get(messageId).set(account.id, { name: account.name, readAt });
  }

  render() {
    this.list.querySelectorAll(".msg-receipt").forEach((el) => { el.hidden = true; el.textContent = ""; });
    const mine = this.list.querySelectorAll(".msg-mine");
    const last = mine[mine.length - 1];
    if (!last) return;
    const readers = [...(this.byMessage.get(Number(last.dataset.id)) || new Map()).values()];
    if (!readers.length) return;
    const slot = last.querySelector(".msg-receipt");
    slot.textContent = `Vu par ${readers.map((r) => r.name).join(", ")}`;
    slot.title = readers.map((r) => `${r.name} : ${fullDate(r.readAt)}`).join("\n");
    slot.hidden = false;
  }
}
