// The administration's forms: each sends its fields as JSON to its API address (data-api, data-method), then
// puts every French error at its field (or above the form), or says it is done (data-done), shows the
// one-time link the answer holds (data-link-key), goes to the next page (data-next) or reloads (data-reload).

import { api, allMessages } from "./api.js";
import { h } from "./dom.js";

function slot(form, selector) {
  return form.querySelector(selector);
}

function clear(form) {
  for (const error of form.querySelectorAll(".field-error")) { error.hidden = true; error.textContent = ""; }
  for (const field of form.querySelectorAll(".has-error")) field.classList.remove("has-error");
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const banner of form.querySelectorAll(".form-error, .form-done")) banner.hidden = true;
}

function showErrors(form, errors) {
  const loose = [];
  let first = null;
  for (const [name, messages] of Object.entries(errors || {})) {
    const field = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const place = field && field.querySelector(".field-error");
    if (!place) { loose.push(...messages); continue; }
    place.textContent = messages.join(" ");
    place.hidden = false;
    field.classList.add("has-error");
    const input = field.querySelector("input, select, textarea");
    if (input) input.setAttribute("aria-invalid", "true");
    first = first || input;
  }
  const banner = slot(form, ".form-error");
  if (loose.length && banner) {
    banner.textContent = loose.join(" ");
    banner.hidden = false;
  }
  (first || banner)?.focus?.();
}

function values(form) {
  const data = {};
  for (const input of form.querySelectorAll("input[name], select[name], textarea[name]")) {
    if (input.disabled || input.type === "file" || input.type === "hidden" || input.hidden) continue;
    if (input.dataset.kind === "boolean") data[input.name] = input.checked;
    else if (input.dataset.kind === "lines") data[input.name] = input.value.split(/[\n,;]+/).map((v) => v.trim()).filter(Boolean);
    else data[input.name] = input.value.trim();
  }
  for (const group of form.querySelectorAll('[data-kind="choices"]')) {
    data[group.dataset.field] = [...group.querySelectorAll("input:checked")].map((i) => i.value);
  }
  return data;
}

function showDone(form, answer) {
  const done = slot(form, ".form-done");
  if (!done) return;
  done.replaceChildren(h("p", {}, form.dataset.done || "C’est fait."));
  const link = form.dataset.linkKey && answer[form.dataset.linkKey];
  if (link) {
    const box = h("input", { type: "text", readonly: true, value: link, id: `${form.id}-link`, "aria-label": "Lien à transmettre" });
    const copy = h("button", { type: "button", class: "btn btn-secondary btn-small" }, "Copier");
    copy.addEventListener("click", async () => {
      box.select();
      try { await navigator.clipboard.writeText(link); copy.textContent = "Copié"; } catch { copy.textContent = "Sélectionné : Ctrl+C"; }
    });
    done.append(h("div", { class: "link-box" }, box, copy));
  }
  const id = (answer.account || answer.structure || {}).id;
  if (form.dataset.open && id) {
    // Created: the form's work is done; what is left is the link to pass on, the new page, or another one.
    for (const part of form.querySelectorAll(".field, .field-row, .form-actions")) part.hidden = true;
    done.append(h("p", { class: "form-next" },
      h("a", { href: form.dataset.open.replace("{id}", id), id: `${form.id}-open` }, "Ouvrir la fiche"), " · ",
      h("a", { href: location.pathname }, "Créer un autre compte")));
  }
  done.hidden = false;
  done.focus?.();
}

function report(form, answer) {
  const box = document.getElementById("import-report");
  if (!box) return;
  document.getElementById("import-summary").textContent =
    `${answer.created} compte${answer.created > 1 ? "s" : ""} créé${answer.created > 1 ? "s" : ""}, ` +
    `${answer.refused} ligne${answer.refused > 1 ? "s" : ""} refusée${answer.refused > 1 ? "s" : ""}`;
  const rows = answer.lines.map((line) => h("tr", { class: line.created ? "created" : "refused", dataset: { line: line.line } },
    h("td", {}, String(line.line)),
    h("td", {}, line.login || "—"),
    h("td", {}, line.created ? "Compte créé"
      : h("ul", {}, ...Object.entries(line.errors).flatMap(([column, messages]) =>
        messages.map((m) => h("li", {}, `Colonne « ${column} » : ${m}`)))))));
  box.querySelector("tbody").replaceChildren(...rows);
  box.hidden = false;
}

async function submit(form, event) {
  event.preventDefault();
  const button = event.submitter || form.querySelector("button[type=submit]");
  if (button?.dataset.confirm && !button.dataset.armed) {
    // A deactivation closes someone's pages at once: the first click asks, the second acts.
    button.dataset.armed = "true";
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.confirm;
    return;
  }
  clear(form);
  if (button) button.disabled = true;
  let result;
  if (form.dataset.upload !== undefined) {
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) {
      showErrors(form, { file: ["Choisissez le fichier CSV des comptes à créer."] });
      if (button) button.disabled = false;
      return;
    }
    const body = new FormData();
    body.append("file", file, file.name);
    result = await api(form.dataset.api, { method: "POST", body });
  } else {
    result = await api(form.dataset.api, { method: form.dataset.method || "POST", json: values(form) });
  }
  if (button) button.disabled = false;
  if (!result.ok) {
    showErrors(form, result.errors);
    if (!Object.keys(result.errors).length) slot(form, ".form-error").textContent = allMessages(result.errors).join(" ");
    return;
  }
  if (form.dataset.report !== undefined) return report(form, result.data);
  if (form.dataset.next) {
    const id = (result.data.account || result.data.structure || {}).id;
    location.assign(form.dataset.next.replace("{id}", id));
    return;
  }
  if (form.dataset.reload !== undefined) { location.reload(); return; }
  showDone(form, result.data || {});
}

for (const form of document.querySelectorAll("form[data-api]")) {
  form.addEventListener("submit", (event) => submit(form, event));
}
for (const banner of document.querySelectorAll(".form-error, .form-done")) banner.tabIndex = -1;
