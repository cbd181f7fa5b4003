// A structure's members on its administration page: find an account by name, add it, remove one. Each change
// takes effect at once on the server (the member acts for the structure, or stops, open pages included).

import { api, allMessages } from "./api.js";
import { h } from "./dom.js";

const box = document.getElementById("members");
const structureId = box.dataset.structure;
const list = document.getElementById("member-list");
const empty = document.getElementById("member-empty");
const search = document.getElementById("member-search");
const choices = document.getElementById("member-choices");
const fieldError = document.getElementById("erreur-account");
const banner = document.getElementById("members-error");
let asked = 0;

function say(place, messages) {
  place.textContent = messages.join(" ");
  place.hidden = !messages.length;
  search.toggleAttribute("aria-invalid", place === fieldError && messages.length > 0);
}

function memberItem(member) {
  const remove = h("button", { type: "button", class: "btn btn-danger-outline btn-small", dataset: { remove: member.account_id },
    "aria-label": `Retirer ${member.name}` }, "Retirer");
  return h("li", { dataset: { account: member.account_id } },
    h("span", {}, h("a", { href: `/admin/comptes/${member.account_id}` }, member.name),
      member.profession ? h("span", { class: "muted" }, ` · ${member.profession}`) : null),
    remove);
}

function refreshEmpty() {
  empty.hidden = list.children.length > 0;
}

async function add(account) {
  say(fieldError, []);
  say(banner, []);
  const result = await api(`admin/structures/${structureId}/members`, { method: "POST", json: { account: account.id } });
  if (!result.ok) {
    say(result.errors.account ? fieldError : banner, result.errors.account || allMessages(result.errors));
    return;
  }
  const existing = list.querySelector(`li[data-account="${account.id}"]`);
  if (!existing) list.append(memberItem(result.data.member));
  choices.replaceChildren();
  search.value = "";
  refreshEmpty();
  search.focus();
}

async function remove(button) {
  say(banner, []);
  const item = button.closest("li");
  const result = await api(`admin/structures/${structureId}/members/${button.dataset.remove}`, { method: "DELETE" });
  if (!result.ok && result.status !== 404) {
    say(banner, allMessages(result.errors));
    return;
  }
  item.remove();
  refreshEmpty();
}

async function find() {
  const q = search.value.trim();
  const mine = ++asked;
  say(fieldError, []);
  if (q.length < 2) { choices.replaceChildren(); return; }
  const result = await api(`admin/accounts?state=active&q=${encodeURIComponent(q)}`);
  if (mine !== asked) return;  // a later keystroke's answer wins
  if (!result.ok) { say(fieldError, allMessages(result.errors)); return; }
  const members = new Set([...list.children].map((li) => li.dataset.account));
  const found = result.data.accounts.filter((a) => !members.has(String(a.id)));
  if (!found.length) {
    choices.replaceChildren(h("li", { class: "muted" }, "Aucun compte actif ne correspond."));
    return;
  }
  choices.replaceChildren(...found.slice(0, 8).map((account) => h("li", {},
    h("span", {}, account.full_name, h("span", { class: "muted" }, ` · ${account.login}${account.profession ? ` · ${account.profession}` : ""}`)),
    h("button", { type: "button", class: "btn btn-secondary btn-small", "aria-label": `Ajouter ${account.full_name}`,
      onclick: () => add(account) }, "Ajouter"))));
}

let timer = null;
search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, 200); });
search.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); find(); } });
list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-remove]");
  if (button) remove(button);
});
