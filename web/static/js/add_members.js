// Adding members to a conversation (CONV-6): the directory picker (platform accounts only), then one
// request; the kernel writes the system line and tells every member live.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";
import { createPersonPicker } from "./person_picker.js";

/** createAddMembers({exchangeId, members() -> identity ids, onAdded()}) -> {button, panel} */
export function createAddMembers({ exchangeId, members, onAdded = () => {} }) {
  const picker = createPersonPicker({ inputId: "ajout-participants", kind: "account", many: true,
    placeholder: "Nom, spécialité, service…", exclude: members });
  const error = h("p", { class: "field-error", id: "ajout-erreur", role: "alert", hidden: true });
  const add = h("button", { type: "button", class: "btn btn-primary", onclick: () => submit() }, "Ajouter");
  const panel = h("section", { class: "add-members", id: "ajout-participants-panneau", hidden: true,
    "aria-labelledby": "ajout-titre" },
  h("label", { for: "ajout-participants", id: "ajout-titre", class: "field-label" }, "Ajouter des participants"),
  h("p", { class: "help" }, "Seuls les professionnels inscrits sur la plateforme peuvent participer. "
    + "Ils verront tout l'historique de la conversation."),
  picker.el, error,
  h("div", { class: "add-members-actions" }, add,
    h("button", { type: "button", class: "btn btn-link", onclick: () => toggle(false) }, "Annuler")));
  const button = h("button", { type: "button", class: "btn-inline add-members-open", "aria-expanded": "false",
    "aria-controls": "ajout-participants-panneau", onclick: () => toggle() }, "+ Ajouter des participants");
  let busy = false;

  function showError(messages) {
    error.hidden = !messages.length;
    error.textContent = messages.join(" ");
  }

  function toggle(show = panel.hidden) {
    panel.hidden = !show;
    button.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) {
      showError([]);
      picker.focus();
    } else {
      picker.set([]);
      button.focus();
    }
  }

  async function submit() {
    if (busy) return;
    const left = picker.settle();  // a name typed but not picked is not silently left out
    if (left) return showError([`« ${left} » n'a pas été choisi : choisissez la personne dans la liste, ou effacez ce texte.`]);
    const ids = picker.get().map((item) => item.value);
    if (!ids.length) return showError(["Choisissez au moins une personne à ajouter."]);
    busy = true;
    add.disabled = true;
    const r = await api(`exchanges/${exchangeId}/members`, { method: "POST", json: { members: ids } });
    busy = false;
    add.disabled = false;
    if (!r.ok) return showError(allMessages(r.errors));
    toggle(false);
    onAdded(r.data.added || []);
  }

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(); }
    if (event.key === "Escape" && !event.defaultPrevented) toggle(false);
  });
  panel.addEventListener("change", () => showError([]));

  return { button, panel };
}
