// "Envoyer vers mon logiciel" (CONV-11, DPI-1): push an attachment into the user's hospital software
// through one of the platform's connectors, and show what each connector answered.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";

const NONE = "Aucun logiciel métier n'est raccordé à la plateforme : demandez à votre administrateur d'activer un connecteur.";

/** createTransfer(list, {exchangeId, patientId()}): buttons [data-transfer=<attachment id>] inside `list`. */
export function createTransfer(list, { exchangeId, patientId }) {
  let connectors = null;  // fetched once per page

  async function loadConnectors() {
    if (connectors) return connectors;
    const r = await api("connectors");
    if (!r.ok) return { error: allMessages(r.errors) };
    connectors = r.data.connectors;
    return connectors;
  }

  function panelFor(button) {
    const message = button.closest(".msg");
    const id = button.dataset.transfer;
    let panel = message.querySelector(`.transfer-panel[data-for="${id}"]`);
    if (panel) return { panel, fresh: false };
    message.querySelectorAll(".transfer-panel").forEach((p) => p.remove());
    const name = button.closest("[data-attachment-id]")?.querySelector(".thumb-name, .file-link")?.textContent || "";
    panel = h("div", { class: "transfer-panel", role: "region", "aria-label": "Envoyer vers mon logiciel", dataset: { for: id } },
      h("div", { class: "transfer-head" }, h("strong", {}, `Envoyer « ${name} » vers votre logiciel`),
        h("button", { type: "button", class: "popover-close", "aria-label": "Fermer", onclick: () => closePanel(panel, button) }, "×")),
      h("div", { class: "transfer-body" }, h("p", { class: "hint" }, "Recherche des logiciels raccordés…")));
    message.querySelector(".msg-attachments").after(panel);
    return { panel, fresh: true };
  }

  function closePanel(panel, button) {
    panel.remove();
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  async function open(button) {
    const { panel, fresh } = panelFor(button);
    if (!fresh) return closePanel(panel, button);
    button.setAttribute("aria-expanded", "true");
    const body = panel.querySelector(".transfer-body");
    const found = await loadConnectors();
    if (found.error) {
      body.replaceChildren(h("p", { class: "transfer-result failed", role: "alert" }, found.error.join(" ")));
      return;
    }
    if (!found.length) {
      body.replaceChildren(h("p", { class: "transfer-result failed", role: "alert" }, NONE));
      return;
    }
    const patient = patientId();
    body.replaceChildren(
      h("p", { class: "hint" }, patient ? "Le document sera rangé dans le dossier du patient de cette conversation."
        : "Aucun patient n'est associé à cette conversation : le logiciel recevra le document sans patient."),
      h("div", { class: "transfer-targets" }, found.map((c) => h("button", {
        type: "button", class: "btn btn-secondary", dataset: { target: c.name },
        onclick: (event) => send(button.dataset.transfer, c, body, event.currentTarget),
      }, c.label))),
      h("div", { class: "transfer-results", "aria-live": "polite" }));
    body.querySelector(".transfer-targets button").focus();
  }

  async function send(attachmentId, connector, body, button) {
    const results = body.querySelector(".transfer-results");
    body.querySelectorAll(".transfer-targets button").forEach((b) => { b.disabled = true; });
    button.classList.add("busy");
    results.replaceChildren(h("p", { class: "hint" }, h("span", { class: "spinner", "aria-hidden": "true" }),
      ` Envoi vers ${connector.label}…`));
    const r = await api(`attachments/${attachmentId}/integrate`, { method: "POST",
      json: { target: connector.name, patient: patientId(), exchange: exchangeId } });
    body.querySelectorAll(".transfer-targets button").forEach((b) => { b.disabled = false; });
    button.classList.remove("busy");
    const receipts = r.data && Array.isArray(r.data.receipts) ? r.data.receipts : null;
    if (receipts && receipts.length) {
      results.replaceChildren(h("ul", { class: "transfer-receipts" }, receipts.map((receipt) => h("li", {
        class: `transfer-result ${receipt.ok ? "ok" : "failed"}`, role: receipt.ok ? "status" : "alert",
      }, receipt.ok ? "✓ " : "⚠ ", receipt.message))));
    } else if (r.ok) {
      results.replaceChildren(h("p", { class: "transfer-result ok", role: "status" }, `✓ Document envoyé vers ${connector.label}.`));
    } else {
      results.replaceChildren(h("p", { class: "transfer-result failed", role: "alert" },
        r.status === 502 ? "Le logiciel n'a pas accepté le document. Réessayez ou prévenez votre administrateur."
          : allMessages(r.errors).join(" ")));
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-transfer]");
    if (button) open(button);
  });
}
