// New exchanges written without a connection (a send screen: /envoyer/<channel>), kept in this browser until
// the connection returns: the request as it was made, with its Idempotency-Key, so that however many times it
// is tried again (a reload, the "online" event, the timer) the server stores one exchange. Per account and per
// screen: another person signing in on the same browser neither sees nor sends it.

const KEY = "relais.sendbox";  // [{key, account, screen, channel, payload, at}]
// A thread's replies written without a connection (composer.js keeps them): waiting sends too.
const REPLIES = "relais.outbox";  // [{key, account, exchangeId, body, attachments, at}]
let forgotten = null;  // the account that logged out from this page: nothing more of it is kept

function read(key) {
  try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch { return []; }
}

function all() {
  return read(KEY);
}

function store(items) {
  try {
    localStorage.setItem(KEY, JSON.stringify(items));
    return true;
  } catch {
    return false;  // storage unavailable or full: the send waits on screen only
  }
}

/** The send waiting for `screen` of `account`, or null. */
export function waitingSend(account, screen) {
  return all().find((item) => item.account === account && item.screen === screen) || null;
}

/** Keep a send until the connection returns (one per screen: a newer one replaces it). */
export function keepSend(item) {
  if (item.account === forgotten) return false;  // logging out: it waits on screen only, as long as the page
  return store([...all().filter((i) => !(i.account === item.account && i.screen === item.screen)),
    { ...item, at: new Date().toISOString() }]);
}

export function dropSend(key) {
  store(all().filter((item) => item.key !== key));
}

/** A thread's replies waiting for the connection (composer.js), every account's. */
export function waitingReplies() {
  return read(REPLIES);
}

/** Keep the replies waiting (the whole list, as read then changed). None of an account that logged out from
 * this page (or from another tab: logout_elsewhere.js) is written back: false then, as when the storage is
 * unavailable, and the reply stays in its box. */
export function storeReplies(items) {
  const kept = items.filter((item) => item.account !== forgotten);
  try {
    if (kept.length) localStorage.setItem(REPLIES, JSON.stringify(kept));
    else localStorage.removeItem(REPLIES);
  } catch {
    return false;
  }
  return kept.length === items.length;
}

/** Every send of `account` waiting in this browser. */
export function waitingSends(account) {
  return all().filter((item) => item.account === account);
}

/** How many sends of `account` wait for the connection in this browser, new exchanges and a thread's replies:
 * what logging out would lose. */
export function countWaiting(account) {
  return [...all(), ...read(REPLIES)].filter((item) => item.account === account).length;
}

/** Logging out (a shared workstation): the account's waiting sends leave this browser, patient data with them,
 * and none is kept from this page any more. Another account's stay theirs. */
export function forgetSends(account) {
  forgotten = account;
  for (const key of [KEY, REPLIES]) {
    const items = read(key);
    const others = items.filter((item) => item.account !== account);
    if (others.length === items.length) continue;
    try {
      if (others.length) localStorage.setItem(key, JSON.stringify(others));
      else localStorage.removeItem(key);
    } catch { /* unavailable */ }
  }
}

// Back to this page from the browser's memory after a cancelled navigation: it keeps sends again.
window.addEventListener("pageshow", (event) => { if (event.persisted) forgotten = null; });
