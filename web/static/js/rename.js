// Renaming a conversation (CONV-6): the title becomes a field in place; Enter saves, Escape cancels.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";

/** createRename({title, exchangeId, onRenamed(exchange)}) -> {button, form, editing()} */
export function createRename({ title, exchangeId, onRenamed = () => {} }) {
  const input = h("input", { type: "text", id: "rename-input", maxlength: 250, "aria-describedby": "rename-error",
    "aria-label": "Nouveau titre de la conversation" });
  const error = h("p", { class: "field-error", id: "rename-error", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "btn btn-primary" }, "Enregistrer");
  const form = h("form", { class: "rename-form", id: "rename-form", hidden: true, novalidate: true },
    h("div", { class: "rename-row" }, input, save,
      h("button", { type: "button", class: "btn btn-link", onclick: () => stop() }, "Annuler")), error);
  const button = h("button", { type: "button", class: "btn-icon rename-button", title: "Renommer la conversation",
    "aria-label": "Renommer la conversation", onclick: () => start() }, "✎");
  let busy = false;

  function showError(messages) {
    error.hidden = !messages.length;
    error.textContent = messages.join(" ");
    if (messages.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function start() {
    input.value = title.textContent;
    showError([]);
    title.hidden = true;
    button.hidden = true;
    form.hidden = false;
    input.focus();
    input.select();
  }

  function stop() {
    form.hidden = true;
    title.hidden = false;
    button.hidden = false;
    button.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const subject = input.value.trim();
    if (!subject) return showError(["Donnez un titre à la conversation."]);
    if (subject === title.textContent) return stop();
    busy = true;
    save.disabled = true;
    const r = await api(`exchanges/${exchangeId}`, { method: "PATCH", json: { subject } });
    busy = false;
    save.disabled = false;
    if (!r.ok) return showError(r.errors.subject || allMessages(r.errors));
    title.textContent = r.data.exchange.subject;
    stop();
    onRenamed(r.data.exchange);
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      stop();
    }
  });

  return { button, form, editing: () => !form.hidden };
}
