// « Mon profil d'expert » (TE-1): one profile per identity one acts for (oneself, a department), with its
// availability, scope, prerequisites, billing number and the questions added to the request screen.

import { allMessages, api } from "relais/api.js";
import { h } from "relais/dom.js";

const root = document.getElementById("expert-profile");
const form = document.getElementById("profile-form");
const switcher = document.getElementById("profile-identities");
const banner = document.getElementById("profile-banner");
const statusBox = document.getElementById("profile-status");
const pageError = document.getElementById("profile-error");
const stateLine = document.getElementById("profile-state");
const questionsList = document.getElementById("form-questions");
const questionsEmpty = document.getElementById("form-empty");
const formError = document.getElementById("form-error");
const accepting = document.getElementById("champ-accepting");
const backOnField = document.getElementById("back-on-field");
const billingField = document.getElementById("billing-field");
const input = (name) => document.getElementById(`champ-${name}`);
// « Mon profil d'expert » by default; the administration's page of a structure's profile names its own routes.
const LOAD_URL = root.dataset.load || "/teleexpertise/api/profils";
const saveUrl = (identityId) => root.dataset.save || `/teleexpertise/api/profils/${identityId}`;
const ADMIN = root.dataset.admin === "true";
const TYPES = [["text", "Texte libre"], ["choice", "Choix dans une liste"], ["yesno", "Oui / non"],
  ["number", "Nombre (avec unité)"], ["date", "Date"]];

let profiles = [];
let current = null;  // {identity, expert}
let questions = [];  // [{name, label, type, required, choices: [], unit, help}]
let saving = false;

async function load() {
  const r = await api(LOAD_URL);
  root.setAttribute("aria-busy", "false");
  if (!r.ok) {
    pageError.textContent = allMessages(r.errors).join(" ");
    pageError.hidden = false;
    return;
  }
  profiles = r.data.profiles;
  const wanted = Number(new URLSearchParams(location.search).get("identite"));
  drawSwitcher();
  choose(profiles.find((p) => p.identity.id === wanted) || profiles.find((p) => p.expert) || profiles[0]);
}

function drawSwitcher() {
  switcher.hidden = profiles.length < 2;
  switcher.replaceChildren(...profiles.map((p) => h("button", {
    type: "button", class: "segment", dataset: { identity: p.identity.id }, "aria-pressed": "false",
    onclick: () => choose(p),
  }, p.identity.display_name, p.expert ? h("span", { class: "te-dot", title: "Déjà expert" }, " ✓") : null)));
}

function choose(profile) {
  current = profile;
  for (const b of switcher.querySelectorAll(".segment")) {
    b.setAttribute("aria-pressed", String(Number(b.dataset.identity) === profile.identity.id));
  }
  const e = profile.expert;
  const structure = profile.identity.kind === "structure";
  stateLine.replaceChildren(e
    ? h("span", {}, h("strong", {}, profile.identity.display_name), e.accepting ? " est expert et prend des demandes."
      : ` est expert mais ne prend pas de demandes${e.back_on ? ` jusqu'au ${frenchDate(e.back_on)}` : ""}.`)
    : h("span", {}, h("strong", {}, profile.identity.display_name), structure
      ? " n'est pas encore expert. Renseignez le périmètre de la structure : ses membres répondront en son nom."
      : " n'est pas encore expert. Renseignez au moins votre périmètre."));
  input("scope").value = e ? e.scope : "";
  input("prerequisites").value = e ? e.prerequisites : "";
  input("billing_number").value = e && e.billing_number ? e.billing_number : "";
  billingField.hidden = structure;
  accepting.checked = e ? e.accepting : true;
  input("back_on").value = e && e.back_on ? e.back_on : "";
  questions = (e ? e.form : []).map((q) => ({ ...q, choices: [...(q.choices || [])] }));
  clearErrors();
  syncAvailability();
  drawQuestions();
  form.hidden = false;
  document.getElementById("save-profile").textContent = e ? "Enregistrer le profil"
    : (ADMIN ? "Déclarer la structure experte" : "Me déclarer expert");
}

function frenchDate(iso) {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

function syncAvailability() {
  backOnField.hidden = accepting.checked;
}
accepting.addEventListener("change", syncAvailability);

function drawQuestions() {
  questionsEmpty.hidden = questions.length > 0;
  questionsList.replaceChildren(...questions.map((q, i) => questionRow(q, i)));
}

function questionRow(q, i) {
  const id = (name) => `question-${i}-${name}`;
  const label = h("input", { type: "text", id: id("label"), value: q.label || "", maxlength: 120,
    placeholder: "Ex. : Taille de la lésion", oninput: (e) => { q.label = e.target.value; } });
  const type = h("select", { id: id("type"), onchange: (e) => { q.type = e.target.value; drawQuestions();
    document.getElementById(id("type"))?.focus(); } },
  TYPES.map(([value, text]) => h("option", { value, selected: q.type === value }, text)));
  const required = h("input", { type: "checkbox", id: id("required"), checked: Boolean(q.required),
    onchange: (e) => { q.required = e.target.checked; } });
  const extra = [];
  if (q.type === "choice") {
    extra.push(h("div", { class: "field te-choices", dataset: { field: `form.${i}.choices` } },
      h("label", { for: id("choices"), class: "field-label" }, "Réponses proposées (une par ligne)"),
      h("textarea", { id: id("choices"), rows: 3, oninput: (e) => { q.choices = e.target.value.split("\n"); } },
        (q.choices || []).join("\n")),
      h("p", { class: "field-error", hidden: true })));
  }
  if (q.type === "number") {
    extra.push(h("div", { class: "field te-unit", dataset: { field: `form.${i}.unit` } },
      h("label", { for: id("unit"), class: "field-label" }, "Unité"),
      h("input", { type: "text", id: id("unit"), value: q.unit || "", maxlength: 20, placeholder: "mm, bpm, kg…",
        oninput: (e) => { q.unit = e.target.value; } }),
      h("p", { class: "field-error", hidden: true })));
  }
  const move = (delta) => {
    const j = i + delta;
    [questions[i], questions[j]] = [questions[j], questions[i]];
    drawQuestions();
  };
  return h("li", { class: "te-question", dataset: { index: i } },
    h("div", { class: "te-question-main" },
      h("div", { class: "field", dataset: { field: `form.${i}.label` } },
        h("label", { for: id("label"), class: "field-label" }, `Question ${i + 1}`), label,
        h("p", { class: "field-error", hidden: true })),
      h("div", { class: "field", dataset: { field: `form.${i}.type` } },
        h("label", { for: id("type"), class: "field-label" }, "Type de réponse"), type,
        h("p", { class: "field-error", hidden: true })),
      ...extra,
      h("div", { class: "checkbox-row" }, required, h("label", { for: id("required") }, "Réponse obligatoire"))),
    h("div", { class: "te-question-tools" },
      h("button", { type: "button", class: "btn btn-link", disabled: i === 0, onclick: () => move(-1),
        "aria-label": `Monter la question ${i + 1}` }, "↑ Monter"),
      h("button", { type: "button", class: "btn btn-link", disabled: i === questions.length - 1,
        onclick: () => move(1), "aria-label": `Descendre la question ${i + 1}` }, "↓ Descendre"),
      h("button", { type: "button", class: "btn btn-link te-remove", onclick: () => { questions.splice(i, 1); drawQuestions(); },
        "aria-label": `Supprimer la question ${i + 1}` }, "Supprimer")));
}

document.getElementById("add-question").addEventListener("click", () => {
  questions.push({ label: "", type: "text", required: false, choices: [], unit: "" });
  drawQuestions();
  document.getElementById(`question-${questions.length - 1}-label`).focus();
});

function clearErrors() {
  banner.hidden = true;
  statusBox.hidden = true;
  formError.hidden = true;
  for (const field of form.querySelectorAll("[data-field]")) {
    field.classList.remove("has-error");
    const error = field.querySelector(".field-error");
    if (error) error.hidden = true;
  }
}

function showErrors(errors) {
  const general = [];
  let first = null;
  for (const [name, messages] of Object.entries(errors)) {
    const field = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const error = field && field.querySelector(".field-error");
    if (error) {
      field.classList.add("has-error");
      error.textContent = messages.join(" ");
      error.hidden = false;
      first = first || field;
    } else if (name === "form" || name.startsWith("form.")) {
      formError.textContent = messages.join(" ");
      formError.hidden = false;
      first = first || formError;
    } else {
      general.push(...messages);
    }
  }
  // replaceChildren would write a null as the text « null »: the list only when there is one.
  banner.replaceChildren(h("p", { class: "banner-title" }, "Le profil n'a pas été enregistré : corrigez les champs signalés."),
    ...(general.length ? [h("ul", {}, general.map((m) => h("li", {}, m)))] : []));
  banner.hidden = false;
  banner.scrollIntoView({ block: "center" });
  const focusable = first && first.querySelector("input, textarea, select");
  if (focusable) focusable.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (saving || !current) return;
  saving = true;
  clearErrors();
  const payload = {
    scope: input("scope").value, prerequisites: input("prerequisites").value, accepting: accepting.checked,
    back_on: accepting.checked ? null : (input("back_on").value || null),
    billing_number: current.identity.kind === "structure" ? null : (input("billing_number").value.replace(/\s+/g, "") || null),
    form: questions.map((q) => {
      const out = { label: q.label, type: q.type, required: Boolean(q.required) };
      if (q.name) out.name = q.name;
      if (q.type === "choice") out.choices = (q.choices || []).map((c) => c.trim()).filter(Boolean);
      if (q.type === "number") out.unit = q.unit || "";
      return out;
    }),
  };
  const r = await api(saveUrl(current.identity.id), { method: "PUT", json: payload });
  saving = false;
  if (!r.ok) return showErrors(r.errors);
  current.expert = r.data.expert;
  drawSwitcher();
  choose(current);
  if (ADMIN) {
    statusBox.textContent = r.data.expert.accepting
      ? "Profil de la structure enregistré : les demandeurs la trouvent dans la recherche d’experts."
      : "Profil de la structure enregistré : elle apparaît comme indisponible, avec sa date de retour.";
  } else {
    statusBox.textContent = r.data.expert.accepting
      ? "Profil enregistré : les demandeurs vous trouvent désormais dans la recherche d'experts."
      : "Profil enregistré : vous apparaissez comme indisponible, avec votre date de retour.";
  }
  statusBox.hidden = false;
  statusBox.scrollIntoView({ block: "center" });
});

load();
