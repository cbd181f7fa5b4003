// A logout in one tab is a logout of every tab of the account (they share its session): the others are told
// through localStorage's "storage" event (fired in every other tab of the site), forget what this browser
// keeps of the account as the logout does (waiting sends, offline drafts), stop keeping anything more, and
// leave for the login page as soon as the server confirms the session ended. Without this they stayed open on
// patient data, and could write a draft back into localStorage after the logout had cleared it.

import { api } from "./api.js";
import { forgetLocalDrafts } from "./drafts.js";
import { forgetSends } from "./send_outbox.js";

const KEY = "relais.logout";  // {account, at}: written by the tab that logs out
const FIRST_ASK_MS = 1000;  // after the logging-out tab's own way to the login page (its « Vous êtes déconnecté. »)
const ASK_EVERY_MS = 1000;
const ASKS = 30;

/** Said by the tab that logs out, just before its form leaves. */
export function announceLogout(account) {
  try { localStorage.setItem(KEY, JSON.stringify({ account, at: Date.now() })); } catch { /* unavailable */ }
}

/** Every signed-in page of `account` follows the logouts of its other tabs. */
export function followLogoutElsewhere(account) {
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY || !event.newValue) return;
    let said = null;
    try { said = JSON.parse(event.newValue); } catch { return; }
    if (!said || said.account !== account) return;
    forgetSends(account);
    forgetLocalDrafts(account);
    document.documentElement.dataset.loggedOutElsewhere = "true";
    waitForTheEnd(ASKS);
  });
}

/** api() goes to the login page on the 401 of the ended session; asked again while the logout is on its way. */
function waitForTheEnd(left) {
  setTimeout(async () => {
    const r = await api("me");
    if (r.status !== 401 && left > 1) waitForTheEnd(left - 1);  // not ended yet, or no connection: again
  }, left === ASKS ? FIRST_ASK_MS : ASK_EVERY_MS);
}
