// The ui_demo channel's threads: its own banner instead of the composer, its notes drawn its way.
import { h } from "relais/dom.js";
import { registerMessageRenderer, registerThreadView } from "relais/extensions.js";
import { dayKey, fullDate } from "relais/format.js";

registerThreadView("ui_demo", ({ exchange }) => {
  document.getElementById("thread-scroll").before(
    h("p", { id: "ui-demo-banner", class: "ui-demo-banner" }, `Vue de démo : ${exchange.subject}`));
  const seen = [];
  return {
    replacesComposer: true,
    messages(batch) { seen.push(...batch.map((m) => m.id)); document.body.dataset.uiDemoSeen = String(seen.length); },
  };
});
registerMessageRenderer("ui_demo_note", (message) => h("li", {
  class: "msg ui-demo-note", id: `message-${message.id}`, dataset: { id: message.id, day: dayKey(message.created_at) },
}, h("span", { class: "ui-demo-text" }, `Note de démo : ${message.body}`), " ",
h("time", { datetime: message.created_at }, fullDate(message.created_at))));
