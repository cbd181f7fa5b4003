// The reply box of a thread: auto-growing text, one attachment button, Ctrl+Enter sends.

import { allMessages, api } from "./api.js";
import { createAttachments } from "./attachments.js";
import { autogrow, h, onSendShortcut } from "./dom.js";

/** createComposer(form, {exchangeId, onSent(message)}) wires the server-rendered composer form. */
export function createComposer(form, { exchangeId, onSent }) {
  const textarea = autogrow(form.querySelector("textarea"));
  const button = form.querySelector("button[type=submit]");
  const error = form.querySelector(".field-error");
  const attachments = createAttachments({ inputId: "composer-files", dropTarget: form, onError: showError });
  form.querySelector(".composer-attachments").append(attachments.el);
  let sending = false;

  function showError(messages) {
    error.hidden = !messages.length;
    error.replaceChildren(...messages.map((m) => h("span", {}, m, " ")));
    if (messages.length) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
  }

  async function send() {
    if (sending) return;
    sending = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await attachments.pending();
      const body = textarea.value;
      const ids = attachments.get();
      if (!body.trim() && !ids.length) {
        showError(["Écrivez un message ou joignez un fichier."]);
        return;
      }
      const r = await api(`exchanges/${exchangeId}/messages`, { method: "POST", json: { body, attachments: ids } });
      if (!r.ok) {
        showError(allMessages(r.errors));
        return;
      }
      showError([]);
      textarea.value = "";
      textarea.autogrowFit();
      attachments.clear();
      onSent(r.data.message);
    } finally {
      sending = false;
      button.disabled = false;
      form.removeAttribute("aria-busy");
      textarea.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  onSendShortcut(form, send);
  // A screenshot pasted into the box becomes an attachment.
  textarea.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) {
      event.preventDefault();
      attachments.addFiles(files);
    }
  });
  return { focus: () => textarea.focus() };
}
