// A mail thread's patient, chosen after the fact (received mail comes without one): the patient picker in
// a panel under the mail toolbar, saved with PATCH /api/v1/exchanges/<id>; the thread is then found by
// patient search and from the patient's page.

import { allMessages, api } from "relais/api.js";
import { h } from "relais/dom.js";
import { patientField } from "relais/patient_field.js";

/** createMailPatient({exchangeId, current() -> patient|null, onSaved()}) -> {form, open(), close(), isOpen()} */
export function createMailPatient({ exchangeId, current, onSaved }) {
  const field = patientField({ placeholder: "Nom, prénom, date de naissance ou INS du patient…" },
    { id: "mail-patient-input" });
  const error = h("p", { class: "field-error", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "btn btn-primary" }, "Enregistrer");
  const remove = h("button", { type: "button", class: "btn btn-link", onclick: () => submit(null) }, "Retirer le patient");
  const form = h("form", { class: "mail-patient", id: "mail-patient", novalidate: true, hidden: true,
    "aria-labelledby": "mail-patient-title" },
  h("div", { class: "mail-patient-head" },
    h("h2", { class: "mail-patient-title", id: "mail-patient-title" }, "Patient concerné par ce fil"),
    h("button", { type: "button", class: "btn btn-link", onclick: () => close() }, "Annuler")),
  h("div", { class: "field" },
    h("label", { for: "mail-patient-input", class: "field-label" }, "Patient"),
    h("p", { class: "help", id: "mail-patient-help" }, "Le fil sera retrouvé depuis le dossier du patient et par la recherche."),
    field.el),
  error,
  h("div", { class: "mail-patient-actions" }, remove, save));
  field.input.setAttribute("aria-describedby", "mail-patient-help");
  let busy = false;

  function showError(messages) {
    error.hidden = !messages.length;
    error.textContent = messages.join(" ");
  }

  async function submit(patientId) {
    if (busy) return;
    if (patientId === undefined) patientId = field.get();
    if (patientId === null && !current()) return showError(["Choisissez un patient dans la liste."]);
    busy = true;
    save.disabled = true;
    form.setAttribute("aria-busy", "true");
    const r = await api(`exchanges/${exchangeId}`, { method: "PATCH", json: { patient: patientId } });
    busy = false;
    save.disabled = false;
    form.removeAttribute("aria-busy");
    if (!r.ok) return showError(r.errors.patient || allMessages(r.errors));
    close();
    onSaved(r.data.exchange);
  }

  function open() {
    const patient = current();
    field.set(patient || null);
    remove.hidden = !patient;
    showError([]);
    form.hidden = false;
    field.focus();
  }

  function close() {
    form.hidden = true;
    showError([]);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) close();
  });

  return { form, open, close, isOpen: () => !form.hidden };
}
