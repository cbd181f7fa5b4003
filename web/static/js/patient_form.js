// "Créer un patient": a small inline form under the patient picker, posted to POST /api/v1/patients.

import { allMessages, api } from "./api.js";
import { h, uniqueId } from "./dom.js";

const FIELDS = [
  { name: "birth_name", label: "Nom de naissance", required: true, autocomplete: "off" },
  { name: "used_name", label: "Nom utilisé", placeholder: "Si différent du nom de naissance" },
  { name: "first_names", label: "Prénom(s)", required: true, help: "Tous les prénoms de l'état civil, séparés par un espace." },
  { name: "birth_date", label: "Date de naissance", required: true, type: "date" },
  { name: "sex", label: "Sexe", required: true, type: "select",
    choices: [["", "— Choisir —"], ["F", "Féminin"], ["M", "Masculin"], ["I", "Indéterminé"]] },
  { name: "ins", label: "INS (matricule)", help: "Facultatif : 15 caractères, clé comprise.", inputmode: "numeric" },
  { name: "qualified", label: "Identité qualifiée (vérifiée sur une pièce d'identité et par le téléservice INSi)",
    type: "checkbox" },
];

/** createPatientForm({onCreated(patient), onCancel()}) -> {el, open(prefill), close()} */
export function createPatientForm({ onCreated, onCancel = () => {} }) {
  const inputs = new Map();
  const errors = new Map();
  const general = h("p", { class: "field-error", role: "alert", hidden: true });
  const grid = h("div", { class: "mini-form-grid" });
  for (const spec of FIELDS) {
    const id = uniqueId(`nouveau-patient-${spec.name}`);
    const errorId = `${id}-erreur`;
    let input;
    if (spec.type === "select") {
      input = h("select", { id }, spec.choices.map(([value, label]) => h("option", { value }, label)));
    } else if (spec.type === "checkbox") {
      input = h("input", { id, type: "checkbox" });
    } else {
      input = h("input", { id, type: spec.type || "text", autocomplete: "off", inputmode: spec.inputmode || false,
        placeholder: spec.placeholder || false,
        maxlength: spec.name === "ins" ? 15 : false });
    }
    input.setAttribute("aria-describedby", errorId);
    if (spec.required) input.setAttribute("aria-required", "true");
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const label = h("label", { for: id, class: "field-label" }, spec.label,
      spec.required ? h("span", { class: "required", title: "Obligatoire" }, " *") : null);
    const cell = spec.type === "checkbox"
      ? h("div", { class: "field field-checkbox mini-wide", dataset: { field: spec.name } },
        h("div", { class: "checkbox-row" }, input, label), error)
      : h("div", { class: `field${spec.name === "first_names" ? " mini-wide" : ""}`, dataset: { field: spec.name } },
        label, spec.help ? h("p", { class: "help" }, spec.help) : null, input, error);
    inputs.set(spec.name, input);
    errors.set(spec.name, { cell, error, input });
    grid.append(cell);
  }
  const createButton = h("button", { type: "button", class: "btn btn-primary", onclick: () => submit() }, "Créer le patient");
  const el = h("fieldset", { class: "mini-form patient-create", hidden: true },
    h("legend", { class: "mini-form-title" }, "Nouveau patient"),
    general, grid,
    h("div", { class: "mini-form-actions" }, createButton,
      h("button", { type: "button", class: "btn btn-link", onclick: () => { close(); onCancel(); } }, "Annuler")));

  // Inside the send form: Enter (or Ctrl+Enter) creates the patient, never sends the message.
  el.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.tagName !== "BUTTON") {
      event.preventDefault();
      event.stopPropagation();
      submit();
    } else if (event.key === "Escape") {
      event.stopPropagation();
      close();
      onCancel();
    }
  });
  el.addEventListener("input", (event) => clearError(event.target));
  el.addEventListener("change", (event) => clearError(event.target));

  function clearError(target) {
    for (const { cell, error, input } of errors.values()) {
      if (input === target) show(cell, error, input, []);
    }
  }

  function show(cell, error, input, messages) {
    error.hidden = !messages.length;
    error.textContent = messages.join(" ");
    cell.classList.toggle("has-error", messages.length > 0);
    if (messages.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function showErrors(all) {
    const rest = [];
    for (const { cell, error, input } of errors.values()) show(cell, error, input, []);
    for (const [name, messages] of Object.entries(all)) {
      const slot = errors.get(name);
      if (slot) show(slot.cell, slot.error, slot.input, messages);
      else rest.push(...messages);
    }
    general.hidden = !rest.length;
    general.textContent = rest.join(" ");
    const first = FIELDS.find((f) => all[f.name]);
    if (first) inputs.get(first.name).focus();
  }

  function payload() {
    const value = (name) => inputs.get(name).value.trim();
    const body = { birth_name: value("birth_name"), used_name: value("used_name"), first_names: value("first_names"),
      birth_date: value("birth_date") || null, sex: value("sex") || null, ins: value("ins").replace(/\s+/g, "") || null,
      qualified: inputs.get("qualified").checked };
    return body;
  }

  let busy = false;
  async function submit() {
    if (busy) return;
    const missing = {};
    for (const spec of FIELDS) {
      if (spec.required && !inputs.get(spec.name).value.trim()) missing[spec.name] = ["Ce champ est obligatoire."];
    }
    if (Object.keys(missing).length) return showErrors(missing);
    busy = true;
    createButton.disabled = true;
    createButton.textContent = "Création…";
    try {
      const r = await api("patients", { method: "POST", json: payload() });
      if (!r.ok) return showErrors(r.status === 422 || r.status === 400 ? r.errors : { _schema: allMessages(r.errors) });
      close();
      onCreated(r.data.patient);
    } finally {
      busy = false;
      createButton.disabled = false;
      createButton.textContent = "Créer le patient";
    }
  }

  function open(prefill = {}) {
    for (const [name, input] of inputs) {
      if (input.type === "checkbox") input.checked = false;
      else input.value = prefill[name] || "";
    }
    showErrors({});
    el.hidden = false;
    inputs.get(prefill.birth_name ? "first_names" : "birth_name").focus();
  }

  function close() {
    el.hidden = true;
  }

  return { el, open, close, isOpen: () => !el.hidden };
}
