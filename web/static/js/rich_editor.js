// A small rich text editor for mail bodies (fields with options.format == "html"): bold, italic,
// lists, links. Its HTML is sent as the body; the server sanitises it (nh3) before storing or sending.
// Pasted content arrives as plain text, so no foreign markup (styles, scripts) enters the editor.

import { h } from "./dom.js";

// Each button looks like what it does through forms.css (.rich-tool[data-command=...]): the
// Content-Security-Policy refuses style attributes.
const TOOLS = [
  ["bold", "G", "Gras (Ctrl+B)"],
  ["italic", "I", "Italique (Ctrl+I)"],
  ["insertUnorderedList", "• Liste", "Liste à puces"],
  ["insertOrderedList", "1. Liste", "Liste numérotée"],
  ["createLink", "Lien", "Insérer un lien"],
];

function safeLink(value) {
  const url = String(value || "").trim();
  if (!url) return null;
  if (/^(https?:|mailto:)/i.test(url)) return url;
  if (/^[^\s@]+@[^\s@]+$/.test(url)) return `mailto:${url}`;
  return /^[\w.-]+\.[a-z]{2,}(\/\S*)?$/i.test(url) ? `https://${url}` : null;
}

/** createRichEditor({id, label, placeholder}) -> {el, input, get(), set(html), isEmpty(), clear(), focus()} */
export function createRichEditor({ id, label, placeholder = "" }) {
  const input = h("div", { id, class: "rich-input", contenteditable: "true", role: "textbox", "aria-multiline": "true",
    "aria-label": label, "data-placeholder": placeholder, spellcheck: "true" });
  const buttons = TOOLS.map(([command, text, title]) => h("button", {
    type: "button", class: "rich-tool", title, "aria-label": title, dataset: { command },
  }, text));
  const toolbar = h("div", { class: "rich-toolbar", role: "toolbar", "aria-label": "Mise en forme", "aria-controls": id }, buttons);
  const el = h("div", { class: "rich-editor" }, toolbar, input);

  function run(command) {
    input.focus();
    if (command === "createLink") {
      const url = safeLink(window.prompt("Adresse du lien (https://… ou adresse e-mail) :", "https://"));
      if (!url) return;
      if (window.getSelection().isCollapsed) document.execCommand("insertText", false, url);
      // The link is made on the selection; select what was just typed if nothing was selected.
      document.execCommand("createLink", false, url);
    } else {
      document.execCommand(command, false, null);
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
    refreshState();
  }

  function refreshState() {
    for (const button of buttons) {
      const command = button.dataset.command;
      if (command === "createLink") continue;
      let on = false;
      try { on = document.queryCommandState(command); } catch { on = false; }
      button.setAttribute("aria-pressed", on && input.contains(document.getSelection()?.anchorNode) ? "true" : "false");
    }
  }

  // mousedown would take the focus (and the selection) away from the text being formatted.
  toolbar.addEventListener("mousedown", (event) => { if (event.target.closest(".rich-tool")) event.preventDefault(); });
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest(".rich-tool");
    if (button) run(button.dataset.command);
  });
  input.addEventListener("paste", (event) => {
    const files = event.clipboardData?.files;
    if (files && files.length) return;  // a pasted file is the attachments' business
    event.preventDefault();
    document.execCommand("insertText", false, event.clipboardData?.getData("text/plain") || "");
  });
  input.addEventListener("keyup", refreshState);
  input.addEventListener("mouseup", refreshState);
  input.addEventListener("input", () => input.classList.toggle("is-empty", isEmpty()));

  function isEmpty() {
    return !input.textContent.trim() && !input.querySelector("img, li");
  }

  function set(html) {
    // Only what this page's own code gives (a default from the server, already sanitised there).
    input.innerHTML = html ?? "";
    input.classList.toggle("is-empty", isEmpty());
  }

  set("");
  return {
    el, input,
    get: () => (isEmpty() ? "" : input.innerHTML),
    set,
    isEmpty,
    clear: () => set(""),
    focus: () => input.focus(),
  };
}
