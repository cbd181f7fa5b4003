// One renderer per field type of a channel's screen. Each returns a control:
// {name, spec, el, get(), set(value), isEmpty(), setErrors(messages), focus(), autofill(value), isAutofilled()}

import { api } from "./api.js";
import { createAttachments } from "./attachments.js";
import { autogrow, h } from "./dom.js";
import { createPicker } from "./picker.js";

const RENDERERS = {
  text: textField, message: messageField, select: selectField, date: dateField, checkbox: checkboxField,
  person: personField, patient: patientField, attachments: attachmentsField,
};

/** ctx: {onPatientChange(id|null), actingAs() -> identity id, dropTarget} */
export function renderField(spec, ctx) {
  const id = `champ-${spec.name}`;
  const errorId = `erreur-${spec.name}`;
  const helpId = spec.help ? `aide-${spec.name}` : null;
  const render = RENDERERS[spec.type] || textField;
  const widget = render(spec, { ...ctx, id });
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const label = h("label", { for: id, class: "field-label" }, spec.label,
    spec.required ? h("span", { class: "required", title: "Obligatoire" }, " *") : null);
  const help = spec.help ? h("p", { class: "help", id: helpId }, spec.help) : null;
  const el = spec.type === "checkbox"
    ? h("div", { class: "field field-checkbox", dataset: { field: spec.name } },
      h("div", { class: "checkbox-row" }, widget.input, label), help, error)
    : h("div", { class: `field field-${spec.type}`, dataset: { field: spec.name } }, label, help, widget.el, error);
  const input = widget.input;
  input.setAttribute("aria-describedby", [helpId, errorId].filter(Boolean).join(" "));
  if (spec.required) input.setAttribute("aria-required", "true");
  let autofilled;

  const control = {
    name: spec.name, spec, el,
    get: widget.get,
    set: widget.set,
    isEmpty: widget.isEmpty,
    pending: widget.pending || (() => Promise.resolve()),
    focus: () => (widget.focus ? widget.focus() : input.focus()),
    setErrors(messages) {
      const list = messages || [];
      error.hidden = !list.length;
      error.textContent = list.join(" ");
      el.classList.toggle("has-error", list.length > 0);
      if (list.length) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
    autofill(value) {
      widget.set(value);
      control.setErrors([]);
      autofilled = JSON.stringify(widget.get());
    },
    isAutofilled: () => autofilled !== undefined && autofilled === JSON.stringify(widget.get()),
    autofillable: ["text", "message", "select", "date", "checkbox"].includes(spec.type) && spec.name !== "acting_as",
  };
  widget.onErrors = (messages) => control.setErrors(messages);
  // Once the user changes a field, its old error no longer applies.
  const clear = (event) => { if (!event.target.matches("[data-attachments-input]")) control.setErrors([]); };
  el.addEventListener("input", clear);
  el.addEventListener("change", clear);
  if (spec.default !== null && spec.default !== undefined) widget.set(spec.default);
  return control;
}

function textField(spec, { id }) {
  const input = h("input", { id, name: spec.name, type: "text", placeholder: spec.placeholder || false,
    maxlength: spec.max_length || false, autocomplete: "off" });
  return {
    el: input, input,
    get: () => input.value,
    set: (v) => { input.value = v ?? ""; },
    isEmpty: () => !input.value.trim(),
  };
}

function messageField(spec, { id }) {
  const input = autogrow(h("textarea", { id, name: spec.name, rows: 4, placeholder: spec.placeholder || false,
    maxlength: spec.max_length || false }));
  return {
    el: input, input,
    get: () => input.value,
    set: (v) => { input.value = v ?? ""; input.autogrowFit(); },
    isEmpty: () => !input.value.trim(),
  };
}

function selectField(spec, { id }) {
  const choices = spec.choices || [];
  const input = h("select", { id, name: spec.name },
    spec.required && choices.length ? null : h("option", { value: "" }, "— Choisir —"),
    choices.map((c, i) => h("option", { value: String(i) }, c.label)));
  const indexOf = (v) => choices.findIndex((c) => String(c.value) === String(v));
  return {
    el: input, input,
    get: () => (input.value === "" ? null : choices[Number(input.value)].value),
    set: (v) => { const i = indexOf(v); input.value = i >= 0 ? String(i) : ""; },
    isEmpty: () => input.value === "",
  };
}

function dateField(spec, { id }) {
  const input = h("input", { id, name: spec.name, type: "date" });
  return {
    el: input, input,
    get: () => input.value || null,
    set: (v) => { input.value = v || ""; },
    isEmpty: () => !input.value,
  };
}

function checkboxField(spec, { id }) {
  const input = h("input", { id, name: spec.name, type: "checkbox" });
  return {
    el: input, input,
    get: () => input.checked,
    set: (v) => { input.checked = Boolean(v); },
    isEmpty: () => !input.checked,
  };
}

function personField(spec, { id, actingAs = () => null }) {
  const kind = (spec.options && spec.options.kind) || "";
  const onlyAccounts = kind === "account";
  const picker = createPicker({
    inputId: id, many: spec.many,
    placeholder: spec.placeholder || "Nom, spécialité, service…",
    emptyText: (q) => (q
      ? `Aucun résultat pour « ${q} ».${onlyAccounts ? " Si la personne n'a pas de compte sur la plateforme, écrivez-lui un mail sécurisé ou invitez-la." : ""}`
      : "Saisissez un nom, une spécialité ou un service."),
    search: async (q, { signal, more }) => {
      const params = new URLSearchParams({ q, limit: more ? "50" : "10" });
      if (kind) params.set("kind", kind);
      const r = await api(`directory?${params}`, { signal });
      if (!r.ok) return { groups: [], error: Object.values(r.errors).flat().join(" ") };
      const item = (p) => ({
        id: p.id, label: p.display_name,
        detail: [p.profession, ...(kind === "mssante" ? p.addresses : [])].filter(Boolean).join(" · "),
        disabled: onlyAccounts && !p.has_account,
        note: onlyAccounts && !p.has_account ? "Pas de compte sur la plateforme : mail sécurisé ou invitation" : "",
      });
      // The identity one writes for is a participant already.
      const others = (rows) => rows.filter((p) => p.id !== actingAs()).map(item);
      return {
        groups: [{ label: "PROFESSIONNELS", items: others(r.data.professionals) },
          { label: "SERVICES", items: others(r.data.services) }],
        hasMore: r.data.has_more,
      };
    },
  });
  const asItem = (v) => (v && typeof v === "object" ? { id: v.id, label: v.display_name || v.label } : null);
  return {
    el: picker.el, input: picker.input, focus: picker.focus,
    get: () => (spec.many ? picker.get().map((i) => i.id) : (picker.get()[0]?.id ?? null)),
    set: (v) => picker.set((Array.isArray(v) ? v : [v]).map(asItem).filter(Boolean)),
    isEmpty: () => picker.get().length === 0,
  };
}

function patientField(spec, { id, onPatientChange = () => {} }) {
  const picker = createPicker({
    inputId: id, many: false,
    placeholder: spec.placeholder || "Nom, prénom ou INS du patient…",
    emptyText: (q) => (q ? `Aucun patient trouvé pour « ${q} ».` : "Aucun patient enregistré."),
    search: async (q, { signal }) => {
      const r = await api(`patients?${new URLSearchParams({ q })}`, { signal });
      if (!r.ok) return { groups: [], error: Object.values(r.errors).flat().join(" ") };
      return {
        groups: [{ label: "PATIENTS", items: r.data.patients.map((p) => ({
          id: p.id, label: p.display_name, detail: p.ins ? `INS ${p.ins}` : "" })) }],
      };
    },
    onChange: (items) => onPatientChange(items[0]?.id ?? null),
  });
  return {
    el: picker.el, input: picker.input, focus: picker.focus,
    get: () => picker.get()[0]?.id ?? null,
    set: (v) => picker.set(v && typeof v === "object" ? [{ id: v.id, label: v.display_name }] : []),
    isEmpty: () => picker.get().length === 0,
  };
}

function attachmentsField(spec, { id, dropTarget }) {
  const widget = {};
  const box = createAttachments({ inputId: id, dropTarget, onError: (messages) => widget.onErrors(messages) });
  return Object.assign(widget, {
    el: box.el, input: box.button, focus: () => box.button.focus(),
    get: () => box.get(),
    set: () => {},
    isEmpty: () => box.get().length === 0,
    pending: box.pending,
  });
}
