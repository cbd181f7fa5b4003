// The chat space drawn by the ui_demo plugin: a side navigation of its own, a tool, its own rows.
import { api } from "relais/api.js";
import { h } from "relais/dom.js";
import { registerSpaceView } from "relais/extensions.js";
import { rowLabel } from "./rows.js";

registerSpaceView("chat", ({ onChange }) => ({
  nav: h("div", { id: "ui-demo-nav" }, h("h2", { class: "space-nav-title" }, "Vue de démo")),
  tools: h("p", { id: "ui-demo-tools", class: "ui-demo-row" },
    h("button", { type: "button", class: "btn btn-secondary", onclick: () => onChange() }, "Actualiser")),
  probe: async () => true,
  async load(limit) {
    const r = await api(`exchanges?space=chat&limit=${limit}`);
    return r.ok ? { ok: true, exchanges: r.data.exchanges } : { ok: false, errors: r.errors };
  },
  row: (exchange) => h("li", { class: "exchange ui-demo-row", dataset: { id: exchange.id } },
    h("a", { href: `/echanges/${exchange.id}`, class: "exchange-link" }, rowLabel(exchange))),
  emptyText: () => "Rien dans la vue de démo.",
}));
