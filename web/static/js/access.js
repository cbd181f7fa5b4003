// « Sessions et accès »: the account's signed-in browsers and its programs' tokens, each one closable.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";
import { atTime, relativeTime } from "./format.js";

const sessionList = document.getElementById("session-list");
const tokenList = document.getElementById("token-list");
const tokenEmpty = document.getElementById("token-empty");
const endOthers = document.getElementById("end-others");
const errorBanner = document.getElementById("access-error");
const doneBanner = document.getElementById("access-done");

function say(banner, text) {
  for (const b of [errorBanner, doneBanner]) b.hidden = true;
  if (!text) return;
  banner.textContent = text;
  banner.hidden = false;
}

function fail(result) {
  say(errorBanner, allMessages(result.errors).join(" "));
}

function detail(label, value, title) {
  return h("div", {}, h("dt", {}, label), h("dd", title ? { title } : {}, value));
}

function sessionItem(session) {
  const close = session.current ? h("span", { class: "access-current" }, "Cette session")
    : h("button", { type: "button", class: "btn btn-danger-outline", onclick: () => endSession(session, item) },
      "Fermer");
  const item = h("li", { class: "access-item", dataset: { id: session.id } },
    h("div", { class: "access-main" },
      h("p", { class: "access-name" }, session.user_agent),
      h("dl", { class: "access-details" },
        detail("Adresse", session.remote_addr || "inconnue"),
        detail("Connexion", atTime(session.created_at)),
        detail("Dernière activité", relativeTime(session.last_seen_at), atTime(session.last_seen_at)))),
    close);
  return item;
}

function tokenItem(token) {
  const revoke = h("button", { type: "button", class: "btn btn-danger-outline" }, "Révoquer");
  // A revoked token cannot be brought back: the first click asks, the second revokes.
  revoke.addEventListener("click", () => {
    if (revoke.dataset.armed) {
      revokeToken(token, item);
    } else {
      revoke.dataset.armed = "true";
      revoke.textContent = "Confirmer la révocation";
    }
  });
  const item = h("li", { class: "access-item", dataset: { id: token.id } },
    h("div", { class: "access-main" },
      h("p", { class: "access-name" }, token.name),
      h("dl", { class: "access-details" },
        detail("Créé", atTime(token.created_at)),
        detail("Dernier usage", token.last_used_at ? relativeTime(token.last_used_at) : "jamais",
          token.last_used_at ? atTime(token.last_used_at) : undefined))),
    revoke);
  return item;
}

async function endSession(session, item) {
  const result = await api(`me/sessions/${session.id}`, { method: "DELETE" });
  if (!result.ok && result.status !== 404) return fail(result);
  item.remove();
  refreshEndOthers();
  say(doneBanner, `Session fermée : ${session.user_agent} ne peut plus accéder à votre compte.`);
}

async function revokeToken(token, item) {
  const result = await api(`me/tokens/${token.id}`, { method: "DELETE" });
  if (!result.ok && result.status !== 404) return fail(result);
  item.remove();
  tokenEmpty.hidden = tokenList.children.length > 0;
  say(doneBanner, `Jeton « ${token.name} » révoqué : le logiciel qui l'utilisait est désormais refusé.`);
}

function refreshEndOthers() {
  endOthers.hidden = !sessionList.querySelector("button");
}

endOthers.addEventListener("click", async () => {
  endOthers.disabled = true;
  for (const button of [...sessionList.querySelectorAll("button")]) button.click();
  endOthers.disabled = false;
});

async function load() {
  const [sessions, tokens] = await Promise.all([api("me/sessions"), api("me/tokens")]);
  if (!sessions.ok) return fail(sessions);
  if (!tokens.ok) return fail(tokens);
  sessionList.replaceChildren(...sessions.data.sessions.map(sessionItem));
  tokenList.replaceChildren(...tokens.data.tokens.map(tokenItem));
  tokenEmpty.hidden = tokens.data.tokens.length > 0;
  refreshEndOthers();
  for (const section of document.querySelectorAll(".access-card")) section.setAttribute("aria-busy", "false");
}

load();
