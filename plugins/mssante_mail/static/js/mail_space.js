// The "Messagerie sécurisée" tab as a mail space (the shell's space view for "mail"): « Rédiger un mail »,
// mailboxes (own and delegated, with unread counts), folders "Boîte de réception" / "Envoyés", a search box
// (sender, subject, patient). Without this plugin's routes the probe fails and the tab stays the inbox's list.

import { api } from "relais/api.js";
import { h } from "relais/dom.js";
import { mailRow } from "./mail_row.js";

const ALL = "";  // every mailbox the account reads
const CHANNEL = "mssante_mail";
const EMPTY = {
  inbox: "Aucun mail reçu dans cette boîte.",
  sent: "Aucun mail envoyé depuis cette boîte.",
  search: "Aucun mail ne correspond à cette recherche.",
};

function navTitle(text) {
  return h("h2", { class: "space-nav-title" }, text);
}

/** createMailSpace({onChange()}) -> the space view of relais/extensions.js */
export function createMailSpace({ onChange }) {
  const params = new URLSearchParams(location.search);
  let boxes = [];
  let allUnread = null;  // of « Toutes mes boîtes », from the server
  let mailbox = params.get("boite") || ALL;
  let folder = params.get("dossier") === "sent" ? "sent" : "inbox";
  let query = "";

  const boxList = h("ul", { id: "mailbox-list", class: "space-nav-list" });
  const folderButtons = [["inbox", "Boîte de réception"], ["sent", "Envoyés"]].map(([key, label]) =>
    h("button", { type: "button", class: "nav-item", dataset: { folder: key },
      onclick: () => { folder = key; remember(); renderBoxes(); onChange(); } }, label));
  const nav = h("div", { id: "mail-nav", class: "mail-nav", "aria-label": "Boîtes aux lettres et dossiers", role: "group" },
    h("a", { class: "btn btn-primary mail-write", href: `/envoyer/${CHANNEL}` }, "Rédiger un mail"),
    navTitle("Boîtes aux lettres"), boxList,
    navTitle("Dossiers"), h("ul", { id: "folder-list", class: "space-nav-list" }, folderButtons.map((b) => h("li", {}, b))));

  const searchInput = h("input", { id: "mail-search-input", type: "search", autocomplete: "off",
    placeholder: "Rechercher : expéditeur, objet, patient…" });
  const searchForm = h("form", { id: "mail-search", class: "mail-search", role: "search" },
    h("label", { for: "mail-search-input", class: "sr-only" }, "Rechercher dans les mails"), searchInput,
    h("button", { type: "submit", class: "btn btn-secondary" }, "Rechercher"));

  function remember() {
    const url = new URLSearchParams({ espace: "mail" });
    if (folder !== "inbox") url.set("dossier", folder);
    if (mailbox) url.set("boite", mailbox);
    history.replaceState(null, "", `/?${url}`);
  }

  function boxButton(id, label, unread, title) {
    const on = String(id) === String(mailbox) || (boxes.length === 1 && mailbox === ALL);
    return h("li", {}, h("button", { type: "button", class: "nav-item", dataset: { mailbox: id },
      "aria-current": on ? "true" : false, title: title || false,
      onclick: () => { mailbox = String(id); remember(); renderBoxes(); onChange(); } },
    h("span", { class: "nav-label" }, label),
    unread ? h("span", { class: "count", role: "img", "aria-label": `${unread} non lu${unread > 1 ? "s" : ""}` },
      unread > 99 ? "99+" : String(unread)) : null));
  }

  function renderBoxes() {
    const items = boxes.map((b) => boxButton(b.identity.id, b.identity.display_name,
      b.unread, b.addresses.join(", ")));
    if (boxes.length > 1) {
      // Counted by the server: a thread in two of one's boxes is one thread of « Toutes mes boîtes ».
      const total = allUnread ?? boxes.reduce((sum, b) => sum + (b.unread || 0), 0);
      items.unshift(boxButton(ALL, "Toutes mes boîtes", total));
    }
    if (!boxes.length) items.push(h("li", { class: "mail-nav-none" }, "Aucune adresse MSSanté"));
    boxList.replaceChildren(...items);
    for (const button of folderButtons) {
      if (button.dataset.folder === folder) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  async function refreshBoxes() {
    const r = await api(`/${CHANNEL}/mailboxes`);
    if (!r.ok) return false;
    boxes = r.data.mailboxes;
    allUnread = Number.isFinite(r.data.unread) ? r.data.unread : null;
    if (mailbox && !boxes.some((b) => String(b.identity.id) === mailbox)) mailbox = ALL;
    renderBoxes();
    return true;
  }

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    query = searchInput.value.trim();
    onChange();
  });
  // Clearing the box (its × or select-all + delete) shows the whole folder again.
  searchInput.addEventListener("input", () => {
    if (!searchInput.value.trim() && query) {
      query = "";
      onChange();
    }
  });

  return {
    nav,
    tools: searchForm,
    probe: refreshBoxes,
    /** One search box: the API's `q` looks for each word in the senders, the subject and the patient. */
    async load(limit) {
      refreshBoxes();
      const p = new URLSearchParams({ folder, limit: String(limit), ...(query ? { q: query } : {}) });
      if (mailbox) p.set("mailbox", mailbox);
      const r = await api(`/${CHANNEL}/search?${p}`);
      return r.ok ? { ok: true, exchanges: r.data.exchanges } : { ok: false, errors: r.errors };
    },
    // A mail row names the other party (sender, or recipients in "Envoyés"); a conversation its members.
    row: (exchange) => mailRow(exchange, { folder }),
    emptyText: () => EMPTY[query ? "search" : folder],
    show(visible) {
      if (visible) remember();
    },
  };
}
