// The JSON API client used by every page: CSRF header, French network errors, login redirect.

const NETWORK_ERROR = "Le serveur ne répond pas : vérifiez votre connexion puis réessayez.";
const SERVER_ERROR = "Le serveur a rencontré une erreur. Réessayez dans un instant.";

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// The logout form is already taking the page elsewhere: a 401 meanwhile (from the session it just ended, on the
// live socket) must not win the race to the login page, or the logout's next step (Pro Santé Connect's end of
// session) never happens and the professional stays signed in there.
let leaving = false;
window.addEventListener("submit", (event) => {
  if (!event.defaultPrevented && event.target.matches("form.logout")) leaving = true;
});
window.addEventListener("pageshow", () => { leaving = false; going = false; });  // back from the cache: live again

let going = false;
const AFTER_THE_OTHER_TAB_MS = 1000;

export function goToLogin() {
  if (leaving || going) return;
  const next = location.pathname + location.search;
  const go = () => {
    going = false;
    location.assign(`/login?next=${encodeURIComponent(next)}`);
  };
  // Logged out in another tab (logout_elsewhere.js): that tab's way to the login page goes first, or this one's
  // might read the « Vous êtes déconnecté. » meant for it (a login page shows it once).
  if (document.documentElement.dataset.loggedOutElsewhere === "true") {
    going = true;
    setTimeout(go, AFTER_THE_OTHER_TAB_MS);
  } else {
    go();
  }
}

/**
 * Call the API. Resolves to {ok, status, data, errors}; `errors` is the API's {field: [messages]}
 * (or {_schema: [message]} for failures without a body). Never rejects, except on abort.
 */
export async function api(path, { method = "GET", json, body, signal, headers = {} } = {}) {
  // Logging out: nothing more is asked (an answer refused for the ended session would rewrite the cookie that
  // carries « Vous êtes déconnecté. »); the page is going away.
  if (leaving) return new Promise(() => {});
  const init = { method, signal, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  let response;
  try {
    response = await fetch(path.startsWith("/") ? path : `/api/v1/${path}`, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return { ok: false, status: 0, data: null, errors: { _schema: [NETWORK_ERROR] } };
  }
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("application/json")) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (response.status === 401) goToLogin();  // the session ended (logout elsewhere, expiry)
  if (response.ok) return { ok: true, status: response.status, data, errors: {} };
  // A 500 (or a 5xx from a proxy) may carry a technical description: people get a French sentence
  // instead. The API's own 502/503 say in French what is unavailable (a PDF renderer, a connector).
  const apiSays = data && data.errors && response.status !== 500 ? data.errors : null;
  const errors = response.status >= 500 ? apiSays || { _schema: [SERVER_ERROR] }
    : (data && data.errors) || { _schema: ["La demande a été refusée. Rechargez la page puis réessayez."] };
  return { ok: false, status: response.status, data, errors };
}

/** Upload files to /api/v1/attachments in one request (multipart field "file", repeated). */
export function uploadFiles(files, signal) {
  const form = new FormData();
  for (const file of files) form.append("file", file, file.name);
  return api("attachments", { method: "POST", body: form, signal });
}

/** All error messages of a response as one list of sentences (for banners). */
export function allMessages(errors) {
  return Object.values(errors || {}).flat().map(String);
}
