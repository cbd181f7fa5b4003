// "Envoyer vers mon logiciel" (CONV-11, DPI-1, DOC-2): push an attachment into the user's software, the
// regional record or the DMP through the connectors open to the user's structures, then show under the
// attachment where each push stands (en attente, intégré, échec with « Réessayer »), live.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";
import { atTime } from "./format.js";

const NONE = "Aucun logiciel métier n'est raccordé à la plateforme : demandez à votre administrateur d'activer un connecteur.";
// The kernel's targets (kernel/integration.py TARGETS), in the order they are offered.
const TARGETS = [["logiciel", "Mon logiciel"], ["dossier_regional", "Dossier régional (Mes Patients)"],
  ["dmp", "Dossier médical partagé (DMP)"]];

/** createTransfer(list, {exchangeId, patientId()}): buttons [data-transfer=<attachment id>] inside `list`.
 * Returns {refresh(), receive(push)}: reload one's pushes of this exchange, take a live `integration.status`. */
export function createTransfer(list, { exchangeId, patientId }) {
  let connectors = null;  // fetched once per page
  const pushes = new Map();  // push id -> push (the API's integration), the latest state of each

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
    // Escape closes it from anywhere inside, the focus back on the button that opened it.
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); closePanel(panel, button); }
    });
    return { panel, fresh: true };
  }

  function closePanel(panel, button) {
    panel.remove();
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  /** One group of buttons per target the user's connectors serve; a connector serving two shows in both. */
  function targetGroups(found, attachmentId, body) {
    const groups = TARGETS.map(([target, label]) => [target, label, found.filter((c) => (c.targets || ["logiciel"]).includes(target))])
      .filter(([, , serving]) => serving.length);
    const several = groups.length > 1;
    return groups.map(([target, label, serving]) => h("div", { class: "transfer-group" },
      several ? h("div", { class: "transfer-group-label" }, label) : null,
      h("div", { class: "transfer-targets", role: "group", "aria-label": label }, serving.map((c) => h("button", {
        type: "button", class: "btn btn-secondary", dataset: { target: c.name, destination: target },
        onclick: (event) => send(attachmentId, c, target, body, event.currentTarget),
      }, c.label)))));
  }

  async function open(button) {
    const { panel, fresh } = panelFor(button);
    if (!fresh) return closePanel(panel, button);
    button.setAttribute("aria-expanded", "true");
    panel.querySelector(".popover-close").focus();  // in the panel at once: its keys (Escape) answer
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
        : "Aucun patient n'est associé à cette conversation : la plupart des logiciels refuseront le document, car ils le rangent dans le dossier d'un patient."),
      ...targetGroups(found, button.dataset.transfer, body),
      h("div", { class: "transfer-results", "aria-live": "polite" }));
    body.querySelector(".transfer-targets button").focus();
  }

  async function send(attachmentId, connector, destination, body, button) {
    const results = body.querySelector(".transfer-results");
    body.querySelectorAll(".transfer-targets button").forEach((b) => { b.disabled = true; });
    button.classList.add("busy");
    results.replaceChildren(h("p", { class: "hint" }, h("span", { class: "spinner", "aria-hidden": "true" }),
      ` Envoi vers ${connector.label}…`));
    const r = await api(`attachments/${attachmentId}/integrate`, { method: "POST",
      json: { target: connector.name, destination, patient: patientId(), exchange: exchangeId } });
    body.querySelectorAll(".transfer-targets button").forEach((b) => { b.disabled = false; });
    button.classList.remove("busy");
    const receipts = r.data && Array.isArray(r.data.receipts) ? r.data.receipts : null;
    if (receipts && receipts.length) {
      const pending = r.status === 202;
      // A push under way: its line here follows it live (receive), like the one under the attachment.
      results.replaceChildren(h("ul", { class: "transfer-receipts" }, receipts.map((receipt) => h("li", {
        class: `transfer-result ${pending ? "pending" : receipt.ok ? "ok" : "failed"}`, role: receipt.ok ? "status" : "alert",
        dataset: pending && r.data.integration ? { integration: r.data.integration.id } : {},
      }, pending ? "… " : receipt.ok ? "✓ " : "⚠ ", receipt.message))));
    } else if (r.ok) {
      results.replaceChildren(h("p", { class: "transfer-result ok", role: "status" }, `✓ Document envoyé vers ${connector.label}.`));
    } else {
      results.replaceChildren(h("p", { class: "transfer-result failed", role: "alert" },
        r.status === 502 ? "Le logiciel n'a pas accepté le document. Réessayez ou prévenez votre administrateur."
          : allMessages(r.errors).join(" ")));
    }
    if (r.data?.integration) receive(r.data.integration);
  }

  // --- where each push stands, under its attachment ------------------------------------------------

  function statusLine(push) {
    const where = push.connector_label;
    if (push.state === "integre") {
      return h("li", { class: "integration-state ok", dataset: { integration: push.id, state: push.state }, title: push.message },
        `✓ Intégré dans ${where} ${atTime(push.integrated_at || push.updated_at)}`);
    }
    if (push.state === "en_attente") {
      return h("li", { class: "integration-state pending", dataset: { integration: push.id, state: push.state }, title: push.message },
        h("span", { class: "spinner", "aria-hidden": "true" }), ` En attente — ${push.message || `envoi vers ${where}…`}`);
    }
    return h("li", { class: "integration-state failed", dataset: { integration: push.id, state: push.state } },
      h("span", {}, `⚠ Échec : ${push.message}`), " ",
      h("button", { type: "button", class: "btn-inline integration-retry", onclick: (event) => retry(push, event.currentTarget) },
        "Réessayer"));
  }

  /** Under one attachment, the latest push to each connector (an older one to the same place is history). */
  function draw(attachmentId) {
    const holders = list.querySelectorAll(`[data-attachment-id="${attachmentId}"]`);
    if (!holders.length) return;
    const latest = new Map();
    for (const push of [...pushes.values()].sort((a, b) => a.id - b.id)) {
      if (push.attachment_id === attachmentId) latest.set(`${push.connector}/${push.target}`, push);
    }
    for (const holder of holders) {
      holder.querySelector(".integration-states")?.remove();
      if (!latest.size) continue;
      holder.append(h("ul", { class: "integration-states", role: "status", "aria-live": "polite",
        "aria-label": "Envois vers les logiciels" }, [...latest.values()].map(statusLine)));
    }
  }

  async function retry(push, button) {
    button.disabled = true;
    button.classList.add("busy");
    const r = await api(`integrations/${push.id}/retry`, { method: "POST" });
    if (r.data?.integration) receive(r.data.integration);
    else {
      button.disabled = false;
      button.classList.remove("busy");
      button.closest(".integration-state").append(h("span", { class: "integration-error", role: "alert" },
        ` ${allMessages(r.errors).join(" ")}`));
    }
  }

  function receive(push) {
    const known = pushes.get(push.id);
    if (known && known.updated_at > push.updated_at) return;  // an older state arriving late
    pushes.set(push.id, push);
    draw(push.attachment_id);
    const line = list.querySelector(`.transfer-result[data-integration="${push.id}"]`);
    if (line && push.state !== "en_attente") {
      line.className = `transfer-result ${push.state === "integre" ? "ok" : "failed"}`;
      line.setAttribute("role", push.state === "integre" ? "status" : "alert");
      line.textContent = `${push.state === "integre" ? "✓" : "⚠"} ${push.message}`;
    }
  }

  async function refresh() {
    const r = await api(`integrations?exchange=${exchangeId}`);
    if (!r.ok) return;
    for (const push of r.data.integrations) receive(push);
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-transfer]");
    if (button) open(button);
  });
  // Messages come and go (paging, live): each new attachment shows the pushes already known for it.
  new MutationObserver((changes) => {
    const ids = new Set();
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType !== 1 || node.classList.contains("integration-states")) continue;
        node.querySelectorAll?.("[data-attachment-id]").forEach((el) => ids.add(Number(el.dataset.attachmentId)));
      }
    }
    for (const id of ids) draw(id);
  }).observe(list, { childList: true });
  refresh();
  return { refresh, receive };
}
