// Keyboard shortcuts of every signed-in page, and their help panel (« ? »). A shortcut never fires while the
// user types (a field, a rich editor) nor with Ctrl/Alt/Cmd held (the browser's own), so a letter typed in a
// message stays a letter. Ctrl+Entrée (send) belongs to the message box and the send screen (dom.js).

import { h } from "./dom.js";

const SEQUENCE_MS = 1500;  // « g » then its letter
// WCAG 2.1.4: one-letter shortcuts can be turned off (speech input types letters as words); kept per browser.
// « ? » stays, so the help panel where they are turned back on is always at hand.
const OFF_KEY = "relais.shortcuts.off";

function lettersOn() {
  try {
    return localStorage.getItem(OFF_KEY) !== "1";
  } catch {
    return true;
  }
}

function setLettersOn(on) {
  try {
    if (on) localStorage.removeItem(OFF_KEY);
    else localStorage.setItem(OFF_KEY, "1");
  } catch {
    // storage refused (private mode): the choice lasts as long as the page
  }
  lettersOverride = on;
}

let lettersOverride = null;

const HELP = [
  [["?"], "Afficher ou masquer cette aide"],
  [["n"], "Nouvel envoi (ouvre le panneau « + Nouveau »)"],
  [["/"], "Rechercher (dans la page, sinon parmi mes patients)"],
  [["g", "i"], "Aller à la boîte de réception"],
  [["g", "p"], "Aller à « Mes patients »"],
  [["Ctrl", "Entrée"], "Envoyer le message en cours d’écriture"],
  [["Échap"], "Fermer un panneau ou cette aide"],
];

function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
}

let dialog = null;
let returnTo = null;

function helpDialog() {
  if (dialog) return dialog;
  const keys = (combo) => combo.flatMap((key, i) => [
    ...(i ? [combo[0] === "g" ? " puis " : " + "] : []), h("kbd", {}, key)]);
  dialog = h("dialog", { id: "shortcuts-help", class: "shortcuts-dialog", "aria-labelledby": "shortcuts-title" },
    h("h2", { id: "shortcuts-title" }, "Raccourcis clavier"),
    h("dl", { class: "shortcuts-list" }, HELP.flatMap(([combo, label]) => [
      h("dt", {}, keys(combo)), h("dd", {}, label)])),
    h("p", { class: "shortcuts-note" }, "Les raccourcis d’une lettre sont inactifs pendant la saisie dans un champ."),
    h("label", { class: "shortcuts-toggle" },
      h("input", { type: "checkbox", id: "shortcuts-letters", checked: lettersOn() }),
      " Raccourcis d’une lettre activés (n, /, g i, g p)"),
    h("form", { method: "dialog", class: "shortcuts-actions" },
      h("button", { type: "submit", class: "btn btn-primary" }, "Fermer")));
  // Closed by its button, Échap (the browser's own) or « ? »: the focus goes back where it was.
  dialog.addEventListener("close", () => {
    if (returnTo && returnTo.isConnected) returnTo.focus();
    returnTo = null;
  });
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });  // the backdrop
  dialog.querySelector("#shortcuts-letters").addEventListener("change", (event) => setLettersOn(event.target.checked));
  document.body.append(dialog);
  return dialog;
}

export function toggleHelp() {
  const panel = helpDialog();
  if (panel.open) {
    panel.close();
    return;
  }
  returnTo = document.activeElement;
  panel.showModal();  // modal: the rest of the page is inert, so the focus stays in the panel
  panel.querySelector("button").focus();
}

function openSendPanel() {
  const panel = document.querySelector("details.send-panel");
  if (!panel) return;
  panel.open = true;  // its toggle handler (shell.js) puts the focus on the first channel
}

function search() {
  const field = [...document.querySelectorAll('[role="search"] input, input[type="search"]:not(.select-search)')]
    .find((input) => input.offsetParent !== null && !input.disabled);
  if (field) {
    field.focus();
    field.select?.();
  } else {
    location.assign("/patients");
  }
}

const GO = { i: "/", p: "/patients" };

export function followShortcuts() {
  let pendingG = 0;
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    const helpOpen = dialog?.open;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (helpOpen || document.querySelector("dialog[open]")) return;  // another panel has the keyboard
    if (!(lettersOverride ?? lettersOn())) return;
    if (pendingG && Date.now() - pendingG < SEQUENCE_MS && GO[event.key]) {
      pendingG = 0;
      event.preventDefault();
      location.assign(GO[event.key]);
      return;
    }
    pendingG = 0;
    if (event.key === "g") {
      pendingG = Date.now();
    } else if (event.key === "n") {
      event.preventDefault();
      openSendPanel();
    } else if (event.key === "/") {
      event.preventDefault();
      search();
    }
  });
}
