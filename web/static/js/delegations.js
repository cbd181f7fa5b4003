// « Mes délégations »: who may act for me (each with its scope, changed or withdrawn at once), a form to
// delegate to a professional picked in the directory, and for whom I may act. Talks to /api/v1/delegations.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";
import { atTime } from "./format.js";
import { createPersonPicker } from "./person_picker.js";

const page = document.getElementById("delegations");
const ownIdentity = Number(page.dataset.identity);
const givenList = document.getElementById("given-list");
const givenEmpty = document.getElementById("given-empty");
const heldList = document.getElementById("held-list");
const heldEmpty = document.getElementById("held-empty");
const form = document.getElementById("grant-form");
const errorBanner = document.getElementById("delegations-error");
const doneBanner = document.getElementById("delegations-done");
const SCOPES = [...form.querySelectorAll('input[name="scope"]')].map((input) => ({
  value: input.value, label: input.closest("label").querySelector("strong").textContent }));
let given = [];

function say(banner, text) {
  for (const b of [errorBanner, doneBanner]) b.hidden = true;
  if (!text) return;
  banner.textContent = text;
  banner.hidden = false;
  if (banner === errorBanner) banner.focus();
}

function fieldError(name, messages) {
  const place = document.getElementById(`erreur-${name}`);
  const field = form.querySelector(`[data-field="${name}"]`);
  place.textContent = (messages || []).join(" ");
  place.hidden = !place.textContent;
  field.classList.toggle("has-error", !place.hidden);
  const input = name === "delegate" ? picker.input : field.querySelector("input");
  if (place.hidden) input.removeAttribute("aria-invalid");
  else input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", place.hidden ? (name === "delegate" ? "aide-delegate" : "") : place.id);
}

const picker = createPersonPicker({
  inputId: "grant-delegate", kind: "account", placeholder: "Nom, spécialité…",
  // Oneself and those who already may act for me are not offered again.
  exclude: () => [ownIdentity, ...given.map((d) => d.delegate.identity_id)],
  onChange: () => fieldError("delegate", []),
});
document.getElementById("grant-picker").append(picker.el);

function detail(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

function scopeSelect(delegation) {
  const select = h("select", { class: "delegation-scope-select", "aria-label": `Portée de la délégation à ${delegation.delegate.name}` },
    SCOPES.map((s) => h("option", { value: s.value, selected: s.value === delegation.scope }, s.label)));
  select.addEventListener("change", async () => {
    select.disabled = true;
    const r = await api(`delegations/${delegation.id}`, { method: "PATCH", json: { scope: select.value } });
    select.disabled = false;
    if (!r.ok) { select.value = delegation.scope; say(errorBanner, allMessages(r.errors).join(" ")); return; }
    Object.assign(delegation, r.data.delegation);
    say(doneBanner, `${delegation.delegate.name} : ${delegation.scope_label.toLowerCase()}, dès maintenant.`);
  });
  return select;
}

function givenItem(delegation) {
  const withdraw = h("button", { type: "button", class: "btn btn-danger-outline", dataset: { withdraw: delegation.id } }, "Retirer");
  // A withdrawal takes effect at once: the first click asks, the second withdraws.
  withdraw.addEventListener("click", async () => {
    if (!withdraw.dataset.armed) {
      withdraw.dataset.armed = "true";
      withdraw.textContent = "Confirmer le retrait";
      return;
    }
    withdraw.disabled = true;
    const r = await api(`delegations/${delegation.id}`, { method: "DELETE" });
    if (!r.ok && r.status !== 404) { withdraw.disabled = false; say(errorBanner, allMessages(r.errors).join(" ")); return; }
    given = given.filter((d) => d.id !== delegation.id);
    renderGiven();
    say(doneBanner, `${delegation.delegate.name} ne peut plus agir en votre nom.`);
  });
  return h("li", { class: "access-item", dataset: { id: delegation.id } },
    h("div", { class: "access-main" },
      h("p", { class: "access-name" }, delegation.delegate.name,
        delegation.delegate.profession ? h("span", { class: "muted" }, ` · ${delegation.delegate.profession}`) : null),
      h("dl", { class: "access-details" }, detail("Depuis", atTime(delegation.granted_at)))),
    h("div", { class: "delegation-controls" }, scopeSelect(delegation), withdraw));
}

// A delegation given by a deactivated account takes no effect until its reactivation (kernel: suspended).
function suspendedChip(delegation) {
  return delegation.suspended ? h("span", { class: "state-off delegation-suspended",
    title: "Sans effet tant que ce compte est désactivé ; elle reprend à sa réactivation." },
  " Suspendue : compte désactivé") : null;
}

function heldItem(delegation) {
  return h("li", { class: "access-item", dataset: { id: delegation.id, suspended: String(Boolean(delegation.suspended)) } },
    h("div", { class: "access-main" },
      h("p", { class: "access-name" }, delegation.principal.display_name,
        delegation.principal.kind === "structure" ? h("span", { class: "muted" }, " · Structure") : null,
        suspendedChip(delegation)),
      h("dl", { class: "access-details" }, detail("Portée", delegation.scope_label),
        detail("Depuis", atTime(delegation.granted_at)))));
}

function renderGiven() {
  givenList.replaceChildren(...given.map(givenItem));
  givenEmpty.hidden = given.length > 0;
}

async function load() {
  const r = await api("delegations");
  for (const id of ["given", "held"]) document.getElementById(id).removeAttribute("aria-busy");
  if (!r.ok) { say(errorBanner, allMessages(r.errors).join(" ")); return; }
  given = r.data.given;
  renderGiven();
  heldList.replaceChildren(...r.data.held.map(heldItem));
  heldEmpty.hidden = r.data.held.length > 0;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  say(null);
  fieldError("delegate", []);
  fieldError("scope", []);
  const left = picker.settle();
  const chosen = picker.get()[0];
  if (!chosen) {
    fieldError("delegate", [left ? `« ${left} » n'a pas été choisi : choisissez la personne dans la liste.`
      : "Choisissez la personne à qui déléguer."]);
    picker.focus();
    return;
  }
  const scope = form.querySelector('input[name="scope"]:checked')?.value;
  const submit = document.getElementById("grant-submit");
  submit.disabled = true;
  const r = await api("delegations", { method: "POST", json: { delegate: chosen.value, scope } });
  submit.disabled = false;
  if (!r.ok) {
    const errors = { ...r.errors };
    for (const name of ["delegate", "scope"]) { if (errors[name]) { fieldError(name, errors[name]); delete errors[name]; } }
    if (Object.keys(errors).length) say(errorBanner, allMessages(errors).join(" "));
    return;
  }
  const delegation = r.data.delegation;
  given = [...given.filter((d) => d.id !== delegation.id), delegation]
    .sort((a, b) => a.delegate.name.localeCompare(b.delegate.name, "fr"));
  renderGiven();
  picker.set([]);
  say(doneBanner, `${delegation.delegate.name} peut agir en votre nom (${delegation.scope_label.toLowerCase()}), dès maintenant.`);
});

load();
