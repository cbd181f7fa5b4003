// The "Messagerie sécurisée" tab as a mail space: mailboxes (own and delegated, with unread counts),
// folders "Boîte de réception" / "Envoyés", a search box (sender, subject, patient).
// Without the mail plugin (no /mssante_mail routes) the tab stays the inbox's plain list.

import { api } from "./api.js";
import { h } from "./dom.js";

const ALL = "";  // every mailbox the account reads

/** createMailSpace({onChange()}) -> {probe(), show(on), load(limit) -> {ok, exchanges, errors}, refreshBoxes()} */
export function createMailSpace({ onChange }) {
  const nav = document.getElementById("mail-nav");
  const boxList = document.getElementById("mailbox-list");
  const folderButtons = [...document.querySelectorAll("#folder-list [data-folder]")];
  const searchForm = document.getElementById("mail-search");
  const searchInput = document.getElementById("mail-search-input");
  const params = new URLSearchParams(location.search);
  let available = false;
  let boxes = [];
  let mailbox = params.get("boite") || ALL;
  let folder = params.get("dossier") === "sent" ? "sent" : "inbox";
  let query = "";

  function remember() {
    const url = new URLSearchParams({ espace: "mail" });
    if (folder !== "inbox") url.set("dossier", folder);
    if (mailbox) url.set("boite", mailbox);
    history.replaceState(null, "", `/?${url}`);
  }

  function boxButton(id, label, unread, title) {
    const on = String(id) === String(mailbox) || (boxes.length === 1 && mailbox === ALL);
    return h("li", {}, h("button", { type: "button", class: "mail-nav-item", dataset: { mailbox: id },
      "aria-current": on ? "true" : false, title: title || false,
      onclick: () => { mailbox = String(id); remember(); renderBoxes(); onChange(); } },
    h("span", { class: "mail-nav-label" }, label),
    unread ? h("span", { class: "count", "aria-label": `${unread} non lu${unread > 1 ? "s" : ""}` },
      unread > 99 ? "99+" : String(unread)) : null));
  }

  function renderBoxes() {
    const items = boxes.map((b) => boxButton(b.identity.id, b.identity.display_name,
      b.unread, b.addresses.join(", ")));
    if (boxes.length > 1) {
      const total = boxes.reduce((sum, b) => sum + (b.unread || 0), 0);
      items.unshift(boxButton(ALL, "Toutes mes boîtes", total));
    }
    if (!boxes.length) items.push(h("li", { class: "mail-nav-none" }, "Aucune adresse MSSanté"));
    boxList.replaceChildren(...items);
    for (const button of folderButtons) {
      if (button.dataset.folder === folder) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  // Administrators only (the page renders the link for them): the number of held mail as a badge.
  const adminLink = document.getElementById("admin-undelivered");
  async function refreshAdmin() {
    if (!adminLink) return;
    const r = await api("/mssante_mail/admin/undelivered/count");
    if (!r.ok) return;
    const badge = adminLink.querySelector(".count");
    const held = r.data.held;
    badge.hidden = !held;
    badge.textContent = held > 99 ? "99+" : String(held);
    badge.setAttribute("aria-label", `${held} en attente`);
  }

  async function refreshBoxes() {
    refreshAdmin();
    const r = await api("/mssante_mail/mailboxes");
    if (!r.ok) return;
    boxes = r.data.mailboxes;
    if (mailbox && !boxes.some((b) => String(b.identity.id) === mailbox)) mailbox = ALL;
    renderBoxes();
  }

  function search(extra, limit) {
    const p = new URLSearchParams({ folder, limit: String(limit), ...extra });
    if (mailbox) p.set("mailbox", mailbox);
    return api(`/mssante_mail/search?${p}`);
  }

  /** One search box: the API's `q` looks for each word in the senders, the subject and the patient. */
  async function load(limit) {
    refreshBoxes();
    const r = await search(query ? { q: query } : {}, limit);
    return r.ok ? { ok: true, exchanges: r.data.exchanges } : { ok: false, errors: r.errors };
  }

  for (const button of folderButtons) {
    button.addEventListener("click", () => {
      folder = button.dataset.folder;
      remember();
      renderBoxes();
      onChange();
    });
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
    async probe() {
      const r = await api("/mssante_mail/mailboxes");
      available = r.ok;
      if (available) {
        boxes = r.data.mailboxes;
        renderBoxes();
      }
      return available;
    },
    get available() { return available; },
    get folder() { return folder; },
    get searching() { return Boolean(query); },
    show(on) {
      const visible = on && available;
      nav.hidden = !visible;
      searchForm.hidden = !visible;
      document.getElementById("inbox").classList.toggle("mail-space", visible);
      if (visible) remember();
    },
    load,
    refreshBoxes,
  };
}
