// The administration's audit pages: « Journal d'audit » (filters kept in the address, so a search can be
// bookmarked and the CSV export takes the same filters) and « Qui a consulté ? » (a patient's consultations and
// the PDF of their data). Everything comes from /api/v1/admin/...; each refusal is shown at its field.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";
import { formatIns } from "./format.js";

const STAMP = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "medium", timeZone: "Europe/Paris" });
const FILTERS = ["account", "acting_as", "exchange", "patient", "action", "outcome", "from", "to"];
const PER_PAGE = 50;

function stamp(iso) {
  return STAMP.format(new Date(iso));
}

/** Show the API's errors at their fields (those without a field in the banner); clear the others. */
function showErrors(form, banner, errors, fieldOf = (name) => name) {
  for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  for (const f of form.querySelectorAll(".field")) f.classList.remove("has-error");
  const loose = [];
  for (const [name, messages] of Object.entries(errors || {})) {
    const input = form.querySelector(`[name="${fieldOf(name)}"]`);
    const slot = input && document.getElementById(input.getAttribute("aria-describedby"));
    if (slot) {
      slot.textContent = messages.join(" ");
      slot.hidden = false;
      input.closest(".field").classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
    } else {
      loose.push(...messages);
    }
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    if (!(input.name in (errors || {}))) input.removeAttribute("aria-invalid");
  }
  banner.textContent = loose.join(" ");
  banner.hidden = loose.length === 0;
  const first = form.querySelector("[aria-invalid]");
  if (first) first.focus();
}

// --- « Journal d'audit » ---------------------------------------------------------------------------------------

async function journal(root) {
  const form = document.getElementById("audit-filters");
  const banner = document.getElementById("audit-error");
  const rows = document.getElementById("audit-rows");
  const table = document.getElementById("audit-table");
  const empty = document.getElementById("audit-empty");
  const count = document.getElementById("audit-count");
  const pager = document.getElementById("audit-pager");
  const exportLink = document.getElementById("audit-export");
  const asked = new URLSearchParams(location.search);
  const page = Math.max(1, Number.parseInt(asked.get("page") || "1", 10) || 1);

  const choices = await api("admin/audit/choices");
  if (choices.ok) {
    for (const [name, list] of [["action", choices.data.actions], ["outcome", choices.data.outcomes]]) {
      const select = form.elements[name];
      for (const choice of list) {
        select.append(h("option", { value: choice.value }, choice.value === choice.label ? choice.value
          : `${choice.label} (${choice.value})`));
      }
    }
  }
  const filters = new URLSearchParams();
  for (const name of FILTERS) {
    const value = asked.get(name) || "";
    if (!value) continue;  // a field left empty keeps what may have been typed while the choices loaded
    if (form.elements[name]) form.elements[name].value = value;
    filters.set(name, value);
  }
  exportLink.href = `/api/v1/admin/audit/export.csv${filters.size ? `?${filters}` : ""}`;

  form.addEventListener("submit", (event) => {
    // Empty fields stay out of the address: a bookmark keeps only the filters in use.
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = (form.elements[name].value || "").trim();
      if (value) next.set(name, value);
    }
    location.assign(`${location.pathname}${next.size ? `?${next}` : ""}`);
  });

  const query = new URLSearchParams(filters);
  query.set("page", String(page));
  query.set("per_page", String(PER_PAGE));
  root.setAttribute("aria-busy", "true");
  const found = await api(`admin/audit?${query}`);
  root.removeAttribute("aria-busy");
  if (!found.ok) {
    showErrors(form, banner, found.errors);
    count.textContent = "";
    exportLink.hidden = true;
    return;
  }
  const lines = found.data.lines;
  rows.replaceChildren(...lines.map(lineRow));
  table.hidden = lines.length === 0;
  empty.hidden = lines.length > 0;
  const first = (page - 1) * PER_PAGE + 1;
  const only = page === 1 && !found.data.has_more;  // everything is on this page: say how many
  count.textContent = lines.length === 0 ? "" : only
    ? `${lines.length} ligne${lines.length > 1 ? "s" : ""}, les plus récentes d’abord.`
    : `Lignes ${first} à ${first + lines.length - 1}, les plus récentes d’abord.`;
  pager.hidden = page === 1 && !found.data.has_more;
  const link = (id, target, enabled) => {
    const a = document.getElementById(id);
    const to = new URLSearchParams(filters);
    if (target > 1) to.set("page", String(target));
    a.href = `${location.pathname}?${to}`;
    if (!enabled) a.setAttribute("aria-disabled", "true");
  };
  link("audit-prev", page - 1, page > 1);
  link("audit-next", page + 1, found.data.has_more);
  document.getElementById("audit-page").textContent = `Page ${page}`;
}

function who(line) {
  if (!line.account) return h("span", { class: "muted" }, "—");
  return [line.account.name || `Compte n° ${line.account.id}`, h("span", { class: "code" }, line.account.login)];
}

function about(line) {
  const parts = [];
  if (line.exchange_id) parts.push(h("span", {}, `Échange n° ${line.exchange_id}`));
  if (line.patient_id) parts.push(h("span", { class: "code" }, `Patient n° ${line.patient_id}`));
  if (!parts.length && line.target) parts.push(h("span", { class: "code" }, line.target));
  return parts;
}

function lineRow(line) {
  const asked = [line.method, line.path].filter(Boolean).join(" ");
  return h("tr", { class: line.outcome === "ok" ? "" : "not-ok", dataset: { id: line.id, action: line.action } },
    h("td", { class: "when" }, stamp(line.at)),
    h("td", {}, who(line)),
    h("td", {}, line.acting_as ? line.acting_as.display_name || `Identité n° ${line.acting_as.id}` : ""),
    h("td", {}, line.action_label, h("span", { class: "code" }, line.action)),
    h("td", {}, about(line)),
    h("td", {}, line.outcome_label, line.status ? h("span", { class: "code" }, `HTTP ${line.status}`) : null),
    h("td", {}, asked, line.remote_addr ? h("span", { class: "code" }, line.remote_addr) : null),
    h("td", {}, line.reason ? h("span", {}, line.reason) : null, line.detail ? h("span", { class: "code" }, line.detail) : null));
}

// --- « Qui a consulté ? » --------------------------------------------------------------------------------------

async function consultations(root) {
  const form = document.getElementById("patient-find");
  const input = document.getElementById("f-q");
  const banner = document.getElementById("consult-error");
  const foundBox = document.getElementById("patient-found");
  const rows = document.getElementById("consult-rows");
  const table = document.getElementById("consult-table");
  const empty = document.getElementById("consult-empty");
  const more = document.getElementById("consult-more");
  const exportButton = document.getElementById("patient-export");
  const exportStatus = document.getElementById("export-status");
  const asked = new URLSearchParams(location.search).get("patient") || "";
  if (asked) input.value = asked;  // never over what was typed before this script ran
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) {
      showErrors(form, banner, { q: ["Saisissez l’INS ou le numéro du patient."] }, () => "patient");
      return;
    }
    location.assign(`${location.pathname}?${new URLSearchParams({ patient: value })}`);
  });
  if (!asked) return;

  root.setAttribute("aria-busy", "true");
  const found = await api(`admin/patients/find?${new URLSearchParams({ q: asked })}`);
  root.removeAttribute("aria-busy");
  if (!found.ok) {
    showErrors(form, banner, found.errors, (name) => (name === "q" ? "patient" : name));
    return;
  }
  const patient = found.data.patient;
  document.getElementById("patient-name").textContent = patient.display_name;
  document.getElementById("patient-facts").textContent = [
    patient.ins ? `INS ${formatIns(patient.ins)}` : "Sans INS", `Patient n° ${patient.id}`].join(" · ");
  document.getElementById("patient-journal").href = `/admin/journal?${new URLSearchParams({ patient: String(patient.id) })}`;
  foundBox.hidden = false;

  let offset = 0;
  const load = async () => {
    more.disabled = true;
    const page = await api(`admin/patients/${patient.id}/consultations?offset=${offset}`);
    more.disabled = false;
    if (!page.ok) {
      banner.textContent = allMessages(page.errors).join(" ");
      banner.hidden = false;
      return;
    }
    rows.append(...page.data.consultations.map(consultationRow));
    offset += page.data.consultations.length;
    table.hidden = offset === 0;
    empty.hidden = offset > 0;
    more.hidden = !page.data.has_more;
  };
  more.addEventListener("click", load);
  await load();

  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportStatus.hidden = true;
    banner.hidden = true;
    const previous = exportButton.textContent;
    exportButton.textContent = "Préparation du PDF…";
    try {
      const answer = await api(`admin/patients/${patient.id}/export`, { method: "POST" });
      if (!answer.ok) {
        banner.textContent = allMessages(answer.errors).join(" ");
        banner.hidden = false;
        return;
      }
      const { filename: name, pdf_base64: encoded } = answer.data.export;
      const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
      const a = h("a", { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      exportStatus.textContent = `PDF téléchargé : ${name}. Cet export est inscrit au journal d’audit.`;
      exportStatus.hidden = false;
    } finally {
      exportButton.disabled = false;
      exportButton.textContent = previous;
    }
  });
}

function consultationRow(c) {
  const account = c.account ? [c.account.name, h("span", { class: "code" }, c.account.login)] : "—";
  return h("tr", {},
    h("td", { class: "when" }, stamp(c.at)),
    h("td", {}, account),
    h("td", {}, c.acting_as ? c.acting_as.display_name : ""),
    h("td", {}, `n° ${c.exchange_id}`, h("span", { class: "code" }, c.subject === null ? "(échange purgé)" : c.subject)),
    h("td", {}, c.channel_label || c.channel),
    h("td", {}, c.via_label || c.via));
}

const journalRoot = document.getElementById("journal");
if (journalRoot) journal(journalRoot);
const consultationsRoot = document.getElementById("consultations");
if (consultationsRoot) consultations(consultationsRoot);
