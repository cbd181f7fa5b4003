// A thread's header: title (renamable), patient (a link to the patient's page), members (and adding
// some), plugin panels and actions, "Qui a ouvert".

import { createActions } from "./actions.js";
import { createAddMembers } from "./add_members.js";
import { h } from "./dom.js";
import { createOpenedPanel } from "./opened.js";
import { pageTitle } from "./platform.js";
import { createRename } from "./rename.js";

/** createHeader({exchangeId, refresh()}) -> {render(exchange), opened, memberIds(), patientId(), patient()} */
export function createHeader({ exchangeId, refresh }) {
  const title = document.getElementById("thread-subject");
  const patientLine = document.getElementById("thread-patient");
  const membersLine = document.getElementById("thread-members");
  let exchange = null;

  const rename = createRename({ title, exchangeId, onRenamed: refresh });
  title.after(rename.button, rename.form);
  rename.button.hidden = true;
  const memberIds = () => (exchange ? exchange.members.map((m) => m.id) : []);
  const addMembers = createAddMembers({ exchangeId, members: memberIds, onAdded: refresh });
  document.getElementById("thread-panels").before(addMembers.panel);
  const opened = createOpenedPanel(exchangeId);
  const tools = document.getElementById("thread-tools");
  tools.append(opened.button);
  document.querySelector(".thread-header").append(opened.panel);
  const actions = createActions({ container: document.getElementById("thread-actions"),
    banner: document.getElementById("action-banner"), onDone: refresh });

  function render(next) {
    exchange = next;
    const chat = exchange.space === "chat";  // a mail keeps the subject and recipients it was sent with
    if (!rename.editing()) title.textContent = exchange.subject;
    rename.button.hidden = !chat || rename.editing();
    document.title = pageTitle(exchange.subject);
    const back = document.getElementById("thread-back");
    back.href = `/?espace=${exchange.space}`;
    back.textContent = exchange.space === "mail" ? "← Messagerie sécurisée" : "← Conversations";
    patientLine.hidden = !exchange.patient;
    patientLine.replaceChildren(...(exchange.patient ? [h("span", { class: "label" }, "Patient : "),
      h("a", { href: `/patients/${exchange.patient.id}`, class: "patient-link", title: "Tous les échanges au sujet de ce patient" },
        exchange.patient.display_name)] : []));
    membersLine.replaceChildren(h("span", { class: "label" }, chat ? "Participants : " : "Boîte : "),
      h("span", { class: "member-names" }, exchange.members.map((m, i) => [i ? ", " : "", h("span", { class: "member" }, m.display_name)])),
      ...(chat ? [" ", addMembers.button] : []));
    document.getElementById("thread-panels").replaceChildren(...(exchange.panels || []).map((panel) =>
      h("div", { class: `banner banner-${panel.level || "info"}`, dataset: { panel: panel.name } },
        h("strong", { class: "banner-title" }, panel.title), panel.text ? h("span", {}, " ", panel.text) : null,
        panel.action ? actionButton(panel.action) : null, panelItems(panel))));
    actions.render(exchange.actions || []);
  }

  /** panel.data.items: [{label, value}] shown as a list under the banner (a request's structured answers). */
  function panelItems(panel) {
    const items = panel.data && Array.isArray(panel.data.items) ? panel.data.items : [];
    if (!items.length) return null;
    return h("dl", { class: "panel-items" }, items.map((item) =>
      h("div", { class: "panel-item" }, h("dt", {}, item.label), h("dd", {}, item.value))));
  }

  function actionButton(action) {
    const holder = h("span", { class: "panel-action" });
    createActions({ container: holder, banner: document.getElementById("action-banner"), onDone: refresh }).render([action]);
    return holder;
  }

  return { render, opened, memberIds, patientId: () => exchange?.patient?.id ?? null,
    patient: () => exchange?.patient ?? null };
}
