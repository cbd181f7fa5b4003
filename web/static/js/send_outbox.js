// New exchanges written without a connection (a send screen: /envoyer/<channel>), kept in this browser until
// the connection returns: the request as it was made, with its Idempotency-Key, so that however many times it
// is tried again (a reload, the "online" event, the timer) the server stores one exchange. Per account and per
// screen: another person signing in on the same browser neither sees nor sends it.

const KEY = "relais.sendbox";  // [{key, account, screen, channel, payload, at}]

function all() {
  try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { return []; }
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
  return store([...all().filter((i) => !(i.account === item.account && i.screen === item.screen)),
    { ...item, at: new Date().toISOString() }]);
}

export function dropSend(key) {
  store(all().filter((item) => item.key !== key));
}

/** Every send of `account` waiting in this browser. */
export function waitingSends(account) {
  return all().filter((item) => item.account === account);
}
