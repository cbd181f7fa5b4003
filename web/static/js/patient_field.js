// The patient picker: recent patients first, search by names, birth date or INS, homonyms flagged,
// and "Créer un patient" inline.

import { api } from "./api.js";
import { h } from "./dom.js";
import { formatIns, relativeTime } from "./format.js";
import { createPatientForm } from "./patient_form.js";
import { createPicker } from "./picker.js";

const LIMIT = 8;
const HOMONYM = "Homonyme";

/** A patient of GET /api/v1/patients as a picker item. */
export function patientItem(p) {
  const detail = [p.ins ? `INS ${formatIns(p.ins)}` : "INS non renseigné",
    p.ins ? (p.qualified ? "identité qualifiée" : "identité non qualifiée") : ""].filter(Boolean).join(" · ");
  return {
    id: p.id, value: p.id, label: p.display_name, chip: p.display_name, detail,
    note: p.last_used_at ? `utilisé ${relativeTime(p.last_used_at)}` : "",
    warning: p.homonym ? HOMONYM : "",
    patient: p,
  };
}

/** A typed search as a first guess for the new patient's names: "DURAND Marie" -> birth name, first names. */
function guess(text) {
  if (!text || /\d/.test(text)) return {};
  const words = text.trim().split(/\s+/);
  return { birth_name: words[0].toUpperCase(), first_names: words.slice(1).join(" ") };
}

export function patientField(spec, { id, onPatientChange = () => {} }) {
  let lastText = "";
  const createForm = createPatientForm({
    onCreated: (patient) => {
      picker.set([patientItem(patient)], { notify: true });
      createLink.hidden = true;
      status.textContent = `Patient créé : ${patient.display_name}`;
    },
    onCancel: () => { createLink.hidden = false; picker.focus(); },
  });
  const openCreate = (text) => {
    createLink.hidden = true;
    createForm.open(guess(text));
  };
  const picker = createPicker({
    inputId: id, many: false,
    placeholder: spec.placeholder || "Nom, prénom, date de naissance ou INS du patient…",
    emptyText: (q) => (q && q.q ? `Aucun patient trouvé pour « ${q.q} ».` : "Aucun patient récent."),
    search: async (query, { signal }) => {
      lastText = query.q;
      const r = await api(`patients?${new URLSearchParams({ q: query.q, limit: String(LIMIT) })}`, { signal });
      const actions = [{ label: "Créer un patient…", run: (q) => openCreate(q.q) }];
      if (!r.ok) return { groups: [], error: Object.values(r.errors).flat().join(" "), actions };
      const recent = r.data.recent === true;
      return {
        groups: [{ key: "patients", label: recent ? "PATIENTS RÉCENTS" : "PATIENTS", items: r.data.patients.map(patientItem) }],
        actions,
      };
    },
    onChange: (items) => {
      onPatientChange(items[0]?.value ?? null);
      createLink.hidden = items.length > 0 || createForm.isOpen();
      warn.hidden = !items[0]?.warning;
    },
  });
  const createLink = h("button", { type: "button", class: "btn btn-link btn-create-patient",
    onclick: () => openCreate(lastText) }, "+ Créer un patient");
  const warn = h("p", { class: "homonym-warning", role: "alert", hidden: true },
    "Attention : un autre patient porte les mêmes noms et la même date de naissance. Vérifiez l'INS avant d'envoyer.");
  const status = h("span", { class: "sr-only", role: "status" });
  const el = h("div", { class: "patient-field" }, picker.el, warn, createLink, createForm.el, status);
  return {
    el, input: picker.input, focus: picker.focus,
    get: () => picker.get()[0]?.value ?? null,
    set: (v) => picker.set(v && typeof v === "object" ? [patientItem(v)] : []),
    isEmpty: () => picker.get().length === 0,
    // Text left in the search field is never taken for "no patient": the send waits for a choice.
    unresolved: () => {
      const left = picker.settle();
      return left ? `« ${left} » n'est pas un patient choisi : choisissez-le dans la liste, créez-le, ou effacez ce texte.` : null;
    },
  };
}
