// Téléexpertise finalisation in the thread (TE-6): « Finaliser » turns the thread into a selection (a box on
// each message; earlier syntheses and reports left unticked), with the conclusion, the acts' billing number and
// a technical incident below; « Générer » asks the server for a new version of the compte rendu, whose banner
// then shows it running, failed or finalised (pushed live by teleexpertise.report). The report's file is
// offered to « Envoyer vers mon logiciel » only when the platform has a connector.

import { allMessages, api } from "relais/api.js";
import { h } from "relais/dom.js";
import { registerThreadView, threadView } from "relais/extensions.js";

const CHANNEL = "teleexpertise";
const HASH = "#finaliser";
const UNTICKED_KINDS = new Set(["synthesis"]);  // earlier syntheses and reports: left out unless ticked

function finalisation(ctx) {
  const { exchangeId, list, live, refreshHeader } = ctx;
  const byId = new Map();  // message id -> {message, element}
  let selecting = false;
  let form = null;
  let connectors = null;

  const url = `/teleexpertise/exchanges/${exchangeId}/finalisation`;

  function box(id, message) {
    const input = h("input", { type: "checkbox", class: "te-pick-box", dataset: { message: id },
      "aria-label": "Inclure ce message dans le compte rendu" });
    input.checked = !UNTICKED_KINDS.has(message.kind);
    input.addEventListener("change", count);
    return h("label", { class: "te-pick", title: "Inclure dans le compte rendu" }, input,
      h("span", { class: "te-pick-text" }, "Inclure"));
  }

  function decorate(id) {
    const { message, element } = byId.get(id);
    if (!selecting || element.querySelector(".te-pick")) return;
    element.classList.add("te-selectable");
    element.prepend(box(id, message));
  }

  function checked() {
    return [...list.querySelectorAll(".te-pick-box")].filter((b) => b.checked).map((b) => Number(b.dataset.message));
  }

  function count() {
    if (!form) return;
    const all = list.querySelectorAll(".te-pick-box").length;
    form.querySelector(".te-count").textContent = `${checked().length} message(s) coché(s) sur ${all}`;
  }

  function field(name, label, control, hint) {
    return h("div", { class: "field", dataset: { field: name } },
      h("label", { for: `te-${name}` }, label), hint ? h("p", { class: "hint" }, hint) : null, control,
      h("p", { class: "field-error", role: "alert", hidden: true }));
  }

  function showErrors(errors) {
    form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    const general = [];
    for (const [name, messages] of Object.entries(errors || {})) {
      const slot = form.querySelector(`[data-field="${name}"] .field-error`);
      const text = [].concat(messages).join(" ");
      if (slot) { slot.textContent = text; slot.hidden = false; } else general.push(text);
    }
    const top = form.querySelector(".te-general");
    top.hidden = !general.length;
    top.textContent = general.join(" ");
  }

  /** Older messages not shown yet would be left out without anyone seeing it: show them all first. */
  async function loadEverything() {
    const older = document.getElementById("older-messages");
    const count = () => list.querySelectorAll("li[data-id]").length;
    for (let page = 0; page < 500 && older && !older.hidden; page += 1) {
      const before = count();
      older.click();
      for (let wait = 0; wait < 100 && count() === before && !older.hidden; wait += 1) {
        await new Promise((resolve) => { setTimeout(resolve, 50); });
      }
      if (count() === before) break;
    }
  }

  async function start() {
    if (selecting) return;
    const r = await api(url);
    if (!r.ok) return;
    const state = r.data;
    if (!state.can_finalise) return;
    selecting = true;
    await loadEverything();
    document.getElementById("thread").classList.add("te-selecting");
    for (const id of byId.keys()) decorate(id);
    const conclusion = h("textarea", { id: "te-conclusion", name: "conclusion", rows: "3", required: true,
      placeholder: "Votre avis, la conduite à tenir, le suivi proposé…" });
    conclusion.value = state.conclusion || "";
    const billing = h("input", { type: "text", id: "te-billing_number", name: "billing_number", inputmode: "numeric",
      autocomplete: "off", maxlength: "11", value: state.billing_number || "" });
    const incident = h("textarea", { id: "te-incident", name: "incident", rows: "2",
      placeholder: "Coupure, document illisible, visio interrompue… (facultatif)" });
    incident.value = state.incident || "";
    const submit = h("button", { type: "submit", class: "btn btn-primary te-generate" },
      h("span", { class: "spinner", "aria-hidden": "true" }), " Générer le compte rendu");
    form = h("form", { class: "te-finalise", novalidate: true, "aria-label": "Finaliser la téléexpertise" },
      h("div", { class: "te-finalise-head" }, h("strong", {}, "Finaliser la téléexpertise"),
        h("span", { class: "te-count hint" }),
        h("button", { type: "button", class: "btn btn-link", onclick: () => tickAll(true) }, "Tout cocher"),
        h("button", { type: "button", class: "btn btn-link", onclick: () => tickAll(false) }, "Tout décocher")),
      state.warning ? h("p", { class: "banner banner-warning te-limit", role: "status" }, state.warning) : null,
      h("p", { class: "banner banner-danger te-general", role: "alert", hidden: true }),
      h("div", { class: "field", dataset: { field: "messages" } }, h("p", { class: "field-error", role: "alert", hidden: true })),
      field("conclusion", "Conclusion de l'expert *", conclusion),
      actsLine(state.acts || []),
      h("div", { class: "te-finalise-row" },
        field("billing_number", "Votre numéro de facturation (Assurance Maladie) *", billing,
          "Il figure sur l'acte TE2 ; l'acte RQD du requérant porte le sien."),
        field("incident", "Incident technique", incident)),
      h("div", { class: "te-finalise-actions" }, submit,
        h("button", { type: "button", class: "btn btn-secondary", onclick: stop }, "Annuler")));
    // A field said wrong is fixed as it is typed: its message goes.
    form.addEventListener("input", (event) => {
      const slot = event.target.closest(".field")?.querySelector(".field-error");
      if (slot) slot.hidden = true;
    });
    form.addEventListener("submit", (event) => { event.preventDefault(); generate(submit); });
    const composer = document.getElementById("composer");
    composer.before(form);
    composer.hidden = true;
    count();
    conclusion.focus();
  }

  /** The acts the finalisation records (TE-8), for the expert to confirm: the TE2's number is the field below. */
  function actsLine(acts) {
    if (!acts.length) return null;
    const written = acts[0].written;
    return h("p", { class: "te-acts hint" }, written ? "Actes déjà enregistrés : " : "Actes qui seront enregistrés : ",
      acts.map((act, i) => [i ? " ; " : "", h("strong", {}, act.code), ` ${act.label} — ${act.professional || "vous"}`,
        act.code === "RQD" && act.billing_number ? ` (n° ${act.billing_number})` : "",
        act.structure ? `, ${act.structure}` : ""]), ".");
  }

  function tickAll(value) {
    list.querySelectorAll(".te-pick-box").forEach((b) => { b.checked = value; });
    count();
  }

  function stop() {
    selecting = false;
    document.getElementById("thread").classList.remove("te-selecting");
    list.querySelectorAll(".te-pick").forEach((el) => el.remove());
    list.querySelectorAll(".te-selectable").forEach((el) => el.classList.remove("te-selectable"));
    form?.remove();
    form = null;
    document.getElementById("composer").hidden = false;
    if (location.hash === HASH) history.replaceState(null, "", location.pathname + location.search);
  }

  async function generate(submit) {
    submit.disabled = true;
    submit.classList.add("busy");
    const data = Object.fromEntries(new FormData(form));
    const r = await api(url, { method: "POST", json: { messages: checked(), conclusion: data.conclusion || "",
      billing_number: data.billing_number || "", incident: data.incident || "" } });
    submit.disabled = false;
    submit.classList.remove("busy");
    if (!r.ok) {
      showErrors(r.errors && Object.keys(r.errors).length ? r.errors
        : { _schema: [allMessages(r.errors).join(" ") || "La génération n'a pas pu être lancée. Réessayez."] });
      return;
    }
    stop();
    await refreshHeader();
  }

  // The banner: a spinner while a version is being made, the versions' links once finalised.
  const panels = document.getElementById("thread-panels");
  let versionsKey = "";
  async function dressBanner() {
    const banner = panels.querySelector('[data-panel="teleexpertise_report"]');
    if (!banner || banner.dataset.dressed) return;
    banner.dataset.dressed = "true";
    banner.classList.add("te-report-banner");
    if (banner.classList.contains("banner-info") && /en cours de génération/.test(banner.textContent)) {
      banner.setAttribute("role", "status");
      banner.prepend(h("span", { class: "spinner te-spinner", "aria-hidden": "true" }), " ");
      return;
    }
    if (!banner.classList.contains("banner-success")) return;
    const r = await api(url);
    if (!r.ok) return;
    const done = r.data.reports.filter((v) => v.state === "done" && v.attachment);
    versionsKey = JSON.stringify(done.map((v) => v.id));
    if (!done.length || banner.querySelector(".te-versions")) return;
    banner.append(h("span", { class: "te-versions" }, " Versions : ", done.map((v, i) => [i ? ", " : "",
      h("a", { href: v.attachment.url, target: "_blank", rel: "noopener", class: "te-version" }, `v${v.version}`)])));
  }
  new MutationObserver(() => dressBanner()).observe(panels, { childList: true });

  live.on("teleexpertise.report", (event) => {
    if (event.exchange_id === exchangeId) refreshHeader();
  });
  live.on("teleexpertise.status", (event) => {
    if (event.exchange_id === exchangeId) refreshHeader();
  });

  window.addEventListener("hashchange", () => { if (location.hash === HASH) start(); });
  if (location.hash === HASH) setTimeout(start, 0);

  async function hideTransferWithoutConnectors(element) {
    if (connectors === null) {
      const r = await api("connectors");
      connectors = r.ok ? r.data.connectors : [];
    }
    if (!connectors.length) element.querySelectorAll("[data-transfer]").forEach((b) => b.remove());
  }

  return {
    replacesComposer: false,
    messages() {},
    shown(message, element) {
      byId.set(message.id, { message, element });
      decorate(message.id);
      if (message.data && message.data.teleexpertise_report) {
        element.classList.add("te-report-message");
        hideTransferWithoutConnectors(element);
      }
      count();
    },
  };
}

// The request side may register its own view of these threads: both run, each doing its part.
const previous = threadView(CHANNEL);
registerThreadView(CHANNEL, (ctx) => {
  const theirs = previous ? previous(ctx) : null;
  const mine = finalisation(ctx);
  return {
    replacesComposer: Boolean(theirs?.replacesComposer),
    messages(batch) { theirs?.messages?.(batch); mine.messages(batch); },
    shown(message, element) { theirs?.shown?.(message, element); mine.shown(message, element); },
  };
});
