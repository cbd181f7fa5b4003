// Sends kept offline by a send screen (send_outbox.js) leave from whatever page the user is on once the
// connection is back, not only from their own screen: each with its Idempotency-Key, so a screen open in
// another tab trying the same send at the same time still makes one exchange. The user is told where it went.

//
// Logging out (often on a shared workstation) leaves nothing of the account's patient data in this browser: its
// waiting sends and the drafts kept here offline go (the server's drafts stay, the account's own). A send that
// would be lost is said first, in a dialog where staying signed in is the default.

import { api } from "./api.js";
import { h } from "./dom.js";
import { forgetLocalDrafts, whoAmI } from "./drafts.js";
import { announceLogout, followLogoutElsewhere } from "./logout_elsewhere.js";
import { countWaiting, dropSend, forgetSends, waitingSends } from "./send_outbox.js";

const RETRY_MS = 15000;
let flushing = false;

function screenUrl(screen) {
  const [, channel, , patient] = screen.split(":");
  return `/envoyer/${encodeURIComponent(channel)}${patient ? `?patient=${encodeURIComponent(patient)}` : ""}`;
}

function tell(text, link) {
  let box = document.getElementById("send-outbox-notice");
  if (!box) {
    box = h("div", { id: "send-outbox-notice", class: "send-outbox-notice banner banner-success", role: "status" });
    document.getElementById("contenu")?.prepend(box);
  }
  box.replaceChildren(h("p", {}, text, " ", h("a", { href: link.href }, link.label)));
}

async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    const account = await whoAmI();
    if (account === null) return;
    for (const item of waitingSends(account)) {
      const r = await api(`channels/${encodeURIComponent(item.channel)}/exchanges`,
        { method: "POST", json: item.payload, headers: { "Idempotency-Key": item.key } });
      // Still no connection (or no session: api() goes to the login page): the next "online" or the timer.
      if (r.status === 0 || r.status === 401 || r.status >= 500) return;
      dropSend(item.key);
      if (r.ok) {
        // The server removed the screen's draft with the send; this browser's offline copy goes too.
        try { localStorage.removeItem(`relais.draft.${account}.${item.screen}`); } catch { /* unavailable */ }
        tell("Votre envoi en attente de connexion est parti.",
          { href: `/echanges/${r.data.exchange.id}`, label: "Ouvrir l’échange" });
      } else {  // refused: its draft is still there, on its screen, to be corrected
        tell("Votre envoi en attente de connexion n’a pas pu partir.",
          { href: screenUrl(item.screen), label: "Le reprendre" });
      }
    }
  } finally {
    flushing = false;
  }
}

/** « 1 envoi attend la connexion… »: Annuler (the focus's default, Échap too) or « Se déconnecter quand même ». */
function confirmLogout(waiting, opener, proceed) {
  const one = waiting === 1;
  const cancel = h("button", { type: "button", class: "btn btn-primary" }, "Annuler");
  const go = h("button", { type: "button", class: "btn btn-danger-outline" }, "Se déconnecter quand même");
  const dialog = h("dialog", {
    id: "logout-confirm", class: "action-prompt card", role: "alertdialog",
    "aria-labelledby": "logout-confirm-title", "aria-describedby": "logout-confirm-text",
  },
  h("h2", { id: "logout-confirm-title" }, "Se déconnecter ?"),
  h("p", { id: "logout-confirm-text" }, one
    ? "1 envoi attend la connexion : il sera perdu si vous vous déconnectez."
    : `${waiting} envois attendent la connexion : ils seront perdus si vous vous déconnectez.`),
  h("p", { class: "help" }, one ? "Restez connecté : il partira dès le retour de la connexion."
    : "Restez connecté : ils partiront dès le retour de la connexion."),
  h("div", { class: "form-actions" }, cancel, go));
  const close = () => {
    if (dialog.open) dialog.close();
    dialog.remove();
  };
  cancel.addEventListener("click", () => { close(); opener.focus(); });
  dialog.addEventListener("cancel", () => { dialog.remove(); opener.focus(); });  // Échap
  go.addEventListener("click", () => { close(); proceed(); });
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
}

/** The logout form (base.html, data-account): a waiting send is not lost without a word; then nothing of the
 * account stays in this browser. Listening on the form itself, before api.js's window listener: a logout put
 * off by the dialog is not taken for one under way. */
function guardLogout() {
  const form = document.querySelector("form.logout");
  const account = Number(form?.dataset.account);
  if (!form || !account) return;
  let confirmed = false;
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    const waiting = countWaiting(account);
    if (waiting && !confirmed) {
      event.preventDefault();
      if (!document.getElementById("logout-confirm")) {
        confirmLogout(waiting, form.querySelector("button[type=submit]"), () => {
          confirmed = true;
          form.requestSubmit();
        });
      }
      return;
    }
    announceLogout(account);  // the account's other tabs leave too, forgetting as this one does
    forgetSends(account);
    forgetLocalDrafts(account);
  });
  followLogoutElsewhere(account);
  form.dataset.guarded = "true";
}

/** On every signed-in page: the logout guard; the sends' flush on every page but a send screen (which sends
 * its own, and opens the exchange). */
export function followWaitingSends() {
  guardLogout();
  if (document.getElementById("compose-form")) return;
  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  flush();
}
