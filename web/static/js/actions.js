// The buttons plugins put on an exchange (ExchangeAction): generic, with a spinner while they run and
// their outcome (a document to open, or an error in French) in a banner above the thread.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";

const FAILED = {
  503: "Le service nécessaire n'est pas disponible sur la plateforme pour le moment.",
  409: "Cette action n'est pas possible sur cet échange.",
};

/** createActions({container, banner, onDone()}) -> {render(actions)} */
export function createActions({ container, banner, onDone = () => {} }) {
  let drawn = "";
  const running = new Set();

  function show(level, ...content) {
    banner.className = `banner banner-${level} action-banner`;
    const closable = level !== "info";  // a running action's banner goes by itself
    banner.replaceChildren(h("span", { class: "action-text" }, ...content),
      closable ? h("button", { type: "button", class: "btn btn-link", onclick: hide }, "Fermer") : null);
    banner.hidden = false;
  }

  function hide() {
    banner.hidden = true;
    banner.replaceChildren();
  }

  function button(action) {
    return h("button", {
      type: "button", class: "btn btn-secondary", dataset: { action: action.name },
      onclick: (event) => run(action, event.currentTarget),
    }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "action-label" }, action.label));
  }

  /** Draw the buttons; an unchanged list keeps its buttons (and a running one its spinner). */
  function render(actions) {
    const key = JSON.stringify(actions || []);
    if (key === drawn) return;
    drawn = key;
    container.replaceChildren(...(actions || []).map(button));
  }

  /** action.prompt: ask for a text first (a refusal's reason), sent as {reason}; its errors stay in the box. */
  function ask(action, btn) {
    const text = h("textarea", { id: `motif-${action.name}`, rows: 4, maxlength: 2000 });
    const error = h("p", { class: "field-error", hidden: true, role: "alert" });
    const dialog = h("dialog", { class: "action-prompt card", "aria-labelledby": `motif-titre-${action.name}` });
    // Closed (Annuler, Échap, done), the focus goes back to the action's button, where the keyboard was.
    const giveBack = () => { if (btn.isConnected) btn.focus(); };
    const close = () => { dialog.close(); dialog.remove(); giveBack(); };
    // The route says in French what is missing (a reason may be optional): no browser validation.
    const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      const r = await run(action, btn, { reason: text.value }, { quiet: true });
      if (r && !r.ok && r.status === 422) {
        error.textContent = allMessages(r.errors).join(" ");
        error.hidden = false;
        text.focus();
        return;
      }
      close();
      if (r && !r.ok) report(action, r);
    } },
    h("h2", { id: `motif-titre-${action.name}` }, action.label),
    h("label", { for: text.id, class: "field-label" }, action.prompt), text, error,
    h("div", { class: "form-actions" },
      h("button", { type: "submit", class: "btn btn-primary" }, "Valider"),
      h("button", { type: "button", class: "btn btn-secondary", onclick: close }, "Annuler")));
    dialog.append(form);
    dialog.addEventListener("cancel", () => { dialog.remove(); giveBack(); });
    document.body.append(dialog);
    dialog.showModal();
    text.focus();
  }

  function report(action, r) {
    const messages = allMessages(r.errors).length ? allMessages(r.errors)
      : [FAILED[r.status] || "L'action a échoué. Réessayez dans un instant."];
    if (r.status === 503) messages.push("Prévenez l'administrateur de la plateforme.");
    banner.setAttribute("role", "alert");
    show("danger", h("strong", { class: "banner-title" }, `${action.label} : échec. `), messages.join(" "));
  }

  async function run(action, btn, json = null, { quiet = false } = {}) {
    if (running.has(action.name)) return null;
    if (json === null && action.prompt) return ask(action, btn);
    if (json === null && action.confirm && !window.confirm(action.confirm)) return null;
    const method = (action.method || "POST").toUpperCase();
    if (method === "GET") {
      location.assign(action.url);  // a page of the plugin (a visio room, a document)
      return;
    }
    running.add(action.name);
    btn.disabled = true;
    btn.classList.add("busy");
    btn.setAttribute("aria-busy", "true");
    show("info", h("span", { class: "spinner", "aria-hidden": "true" }), ` ${action.label} : en cours…`);
    banner.setAttribute("role", "status");
    let r;
    try {
      r = await api(action.url, { method, json: json || {} });
    } finally {
      running.delete(action.name);
      btn.disabled = false;
      btn.classList.remove("busy");
      btn.removeAttribute("aria-busy");
    }
    if (!r.ok) {
      if (quiet) hide();  // the prompt's box shows it, or reports it once closed
      else report(action, r);
      return r;
    }
    const data = r.data || {};
    const file = data.attachment;
    const target = data.redirect || data.url || (file && file.url);
    if (file) {
      show("success", h("strong", { class: "banner-title" }, "Document prêt : "),
        h("a", { href: file.url, target: "_blank", rel: "noopener", class: "action-result" }, file.filename),
        " (il est aussi joint à la conversation).");
    } else if (target) {
      show("success", h("a", { href: target, target: "_blank", rel: "noopener", class: "action-result" }, "Ouvrir le résultat"));
    } else {
      hide();
    }
    await onDone();
    return r;
  }

  return { render };
}
