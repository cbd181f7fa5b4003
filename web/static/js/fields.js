// One renderer per field type of a channel's screen. Each returns a control:
// {name, spec, el, get(), set(value), isEmpty(), setErrors(messages), focus(), autofill(value), isAutofilled()}

import { createAttachments } from "./attachments.js";
import { autogrow, h } from "./dom.js";
import { patientField } from "./patient_field.js";
import { createPersonPicker, personItem } from "./person_picker.js";
import { createRichEditor } from "./rich_editor.js";
import { fieldsetField } from "./fieldset.js";
import { suggestionsField } from "./suggestions.js";

const RENDERERS = {
  text: textField, message: messageField, select: selectField, date: dateField, checkbox: checkboxField,
  person: personField, patient: patientField, attachments: attachmentsField, suggestions: suggestionsField,
  fieldset: fieldsetField,
};

/**
 * ctx: {onPatientChange(id|null), actingAs() -> identity id, dropTarget,
 *       watch(names, fn), valueOf(name), allowLeave()} (the last three for "suggestions").
 */
export function renderField(spec, ctx) {
  const id = `champ-${spec.name}`;
  const errorId = `erreur-${spec.name}`;
  const helpId = spec.help || (spec.options && spec.options.more) ? `aide-${spec.name}` : null;
  const render = RENDERERS[spec.type] || textField;
  const widget = render(spec, { ...ctx, id, renderField });
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const label = h("label", { for: id, class: "field-label" }, spec.label,
    spec.required ? h("span", { class: "required", title: "Obligatoire" }, " *") : null);
  // options.more: a longer explanation, folded under "En savoir plus" (what a billing number is...).
  const more = spec.options && spec.options.more
    ? h("details", { class: "help-more" }, h("summary", {}, "En savoir plus"), h("p", {}, spec.options.more)) : null;
  const help = spec.help || more ? h("div", { class: "help", id: helpId || `aide-${spec.name}` },
    spec.help || null, more) : null;
  if (widget.standalone) return standaloneControl(spec, widget);
  const el = spec.type === "checkbox"
    ? h("div", { class: "field field-checkbox", dataset: { field: spec.name } },
      h("div", { class: "checkbox-row" }, widget.input, label), help, error)
    : h("div", { class: `field field-${spec.type}`, dataset: { field: spec.name } }, label, help, widget.el, error);
  const input = widget.input;
  input.setAttribute("aria-describedby", [helpId, errorId].filter(Boolean).join(" "));
  // ARIA allows aria-required on form controls, not on a button (the attachments field's « Ajouter »): the
  // label's « * » says it there.
  if (spec.required && !input.matches("button")) input.setAttribute("aria-required", "true");
  let autofilled;

  const control = {
    name: spec.name, spec, el,
    get: widget.get,
    set: widget.set,
    // What a draft keeps of the field (drafts.js): what set() takes back; get() unless the widget shows more.
    draft: widget.draft || widget.get,
    isEmpty: widget.isEmpty,
    pending: widget.pending || (() => Promise.resolve()),
    // A French message when the field holds typed text that is not a value (a name not picked): the send
    // stops there rather than leave it out. Pickers turn what they can into a choice first.
    unresolved: widget.unresolved || (() => null),
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
    // An "attachments" default is files already uploaded (a draft): [{id, filename, size}].
    autofillable: ["text", "message", "select", "date", "checkbox", "attachments"].includes(spec.type)
      && spec.name !== "acting_as",
  };
  widget.onErrors = (messages) => control.setErrors(messages);
  // Once the user changes a field, its old error no longer applies.
  const clear = (event) => { if (!event.target.matches("[data-attachments-input]")) control.setErrors([]); };
  el.addEventListener("input", clear);
  el.addEventListener("change", clear);
  if (spec.default !== null && spec.default !== undefined) widget.set(spec.default);
  return control;
}

/**
 * A widget that draws its own heading: display-only ones are never sent (kernel DISPLAY_ONLY); a
 * "fieldset" is sent and holds sub-fields, reached by child(name) for their errors.
 */
function standaloneControl(spec, widget) {
  const el = h("div", { class: `field field-${spec.type}`, dataset: { field: spec.name } }, widget.el);
  return {
    name: spec.name, spec, el, displayOnly: widget.displayOnly !== false, autofillable: false,
    get: widget.get, set: widget.set, draft: widget.draft || widget.get, isEmpty: widget.isEmpty || (() => true),
    pending: widget.pending || (() => Promise.resolve()), focus: widget.focus || (() => {}),
    unresolved: widget.unresolved || (() => null),
    setErrors: widget.setErrors || (() => {}), child: widget.child || (() => null),
    autofill: () => {}, isAutofilled: () => false,
  };
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
  if (spec.options && spec.options.format === "html") {
    const editor = createRichEditor({ id, label: spec.label, placeholder: spec.placeholder || "" });
    return { el: editor.el, input: editor.input, focus: editor.focus, get: editor.get, set: editor.set,
      isEmpty: editor.isEmpty };
  }
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
  // A required select starts on its first choice, unless it has a placeholder: then nothing is chosen
  // until the user picks (a clinical yes/no must never be answered by default).
  const input = h("select", { id, name: spec.name },
    spec.required && choices.length && !spec.placeholder ? null : h("option", { value: "" }, spec.placeholder || "— Choisir —"),
    choices.map((c, i) => h("option", { value: String(i) }, c.label)));
  const indexOf = (v) => choices.findIndex((c) => String(c.value) === String(v));
  // options.search: a long list (document types...) gets a search box that keeps only the matching choices,
  // every word typed found in the label, accents and case aside; a single match is chosen at once.
  const el = spec.options && spec.options.search ? searchableSelect(spec, input) : input;
  return {
    el, input,
    get: () => (input.value === "" ? null : choices[Number(input.value)].value),
    set: (v) => { const i = indexOf(v); input.value = i >= 0 ? String(i) : ""; },
    isEmpty: () => input.value === "",
  };
}

const folded = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

function searchableSelect(spec, select) {
  const search = h("input", { type: "search", class: "select-search", autocomplete: "off",
    placeholder: spec.options.search_label || "Rechercher…", "aria-label": spec.options.search_label || "Rechercher",
    "aria-controls": select.id });
  const count = h("span", { class: "select-search-count", "aria-live": "polite" });
  search.addEventListener("input", () => {
    const words = folded(search.value).split(/\s+/).filter(Boolean);
    const shown = [];
    for (const option of select.options) {
      if (option.value === "") continue;
      option.hidden = !words.every((w) => folded(option.textContent).includes(w));
      if (!option.hidden) shown.push(option);
    }
    count.textContent = words.length ? `${shown.length} type${shown.length > 1 ? "s" : ""} trouvé${shown.length > 1 ? "s" : ""}` : "";
    if (shown.length === 1 && select.value !== shown[0].value) {
      select.value = shown[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  return h("div", { class: "select-searchable" }, h("div", { class: "select-search-row" }, search, count), select);
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
  const picker = createPersonPicker({ inputId: id, kind, many: spec.many, placeholder: spec.placeholder,
    exclude: () => [actingAs()], url: (spec.options && spec.options.url) || "" });  // the identity one writes for is a participant already
  const value = () => picker.get().map((item) => item.value);
  return {
    el: picker.el, input: picker.input, focus: picker.focus,
    get: () => (spec.many ? value() : (value()[0] ?? null)),
    set: (v) => picker.set((Array.isArray(v) ? v : [v]).map((x) => personItem(x, kind)).filter(Boolean)),
    // The names as shown, not only the ids: a draft taken back shows the same chips.
    draft: () => picker.get().map((item) => (kind === "mssante" ? { address: item.value, display_name: item.label }
      : { id: item.value, display_name: item.label })),
    isEmpty: () => picker.get().length === 0,
    unresolved: () => unpicked(picker.settle(), kind),
  };
}

/** The message for text left in a person picker (a typed MSSanté address was made a recipient by settle()). */
function unpicked(text, kind) {
  if (!text) return null;
  if (kind === "mssante") {
    return `« ${text} » n'est pas un destinataire : choisissez-le dans la liste ou saisissez une adresse MSSanté complète `
      + "(prenom.nom@domaine.mssante.fr), ou effacez ce texte.";
  }
  return `« ${text} » n'a pas été choisi : choisissez la personne dans la liste, ou effacez ce texte.`;
}

function attachmentsField(spec, { id, dropTarget }) {
  const widget = {};
  const box = createAttachments({ inputId: id, dropTarget, onError: (messages) => widget.onErrors(messages) });
  return Object.assign(widget, {
    el: box.el, input: box.button, focus: () => box.button.focus(),
    get: () => box.get(),
    set: (v) => box.setSaved(v),
    isEmpty: () => box.get().length === 0 && !box.isUploading(),
    pending: box.pending,
  });
}
