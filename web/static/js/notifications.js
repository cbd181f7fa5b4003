// Desktop notifications of new messages, once the user allowed them. The browser is asked only when the user
// clicks the top bar's « Activer les notifications » (never on its own: a prompt nobody asked for gets refused
// for good). A message written by someone else notifies when the page is hidden or its exchange is not the
// one open; a click brings the window forward on its thread. By default a notification says who wrote, not
// what (setting notification_preview): a locked or shared screen must not show health data.

import { whoAmI } from "./drafts.js";
import { platformName } from "./platform.js";

const PREVIEW_CHARS = 140;
const SILENT_KINDS = new Set(["system"]);  // lines the platform writes itself (a member added, a status...)

const supported = () => "Notification" in window;

function previewAllowed() {
  return document.querySelector('meta[name="relais-notification-preview"]')?.content === "oui";
}

/** The exchange this page shows, or null (its URL: /echanges/<id>). */
function openExchange() {
  const match = /^\/echanges\/(\d+)/.exec(location.pathname);
  return match ? Number(match[1]) : null;
}

/** Who wrote: the account, « pour le compte de » the identity it sent as when that is someone else (a
 * secretary for a doctor, as receipts say it), or a received mail's sender. */
function writer(message) {
  const mail = message.data?.mail;
  const author = message.author?.name;
  const actingAs = message.acting_as;
  // Named as in the thread (« Dr BERNARD »: the server's label); not at all when the author wrote in their own name.
  const behalf = actingAs && message.author?.identity_id === actingAs.id ? null : (actingAs?.label || actingAs?.name);
  if (author && behalf && behalf !== author) return `${author} pour le compte de ${behalf}`;
  if (author || behalf) return author || behalf;
  if (mail) return mail.from_name || mail.from || "";
  return "";
}

function mailText(html) {
  // Blocks and line breaks become spaces, so that paragraphs do not run into each other.
  const doc = new DOMParser().parseFromString(html.replace(/<(br|\/?(p|div|li|tr|td|h\d))\b/gi, " <$1"), "text/html");
  for (const hidden of doc.querySelectorAll("script, style, template")) hidden.remove();
  return doc.body.textContent;
}

/** The message's words as plain text (a mail's body is HTML: parsed inertly, never run nor shown). */
function plainText(message) {
  const body = String(message.body || "");
  const text = message.kind === "mail" ? mailText(body) : body;
  const flat = (text || "").replace(/\s+/g, " ").trim();
  if (flat) return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat;
  const files = (message.attachments || []).length;
  return files ? `${files} pièce${files > 1 ? "s" : ""} jointe${files > 1 ? "s" : ""}` : "";
}

/** What a notification of `message` says: its title and body. */
export function describe(message, withPreview) {
  const who = writer(message);
  const what = message.kind === "mail" ? "Nouveau mail" : "Nouveau message";
  const title = who ? `${what} de ${who}` : `${what} reçu`;
  return { title, body: withPreview ? plainText(message) : `Ouvrez ${platformName()} pour le lire.` };
}

function show(message) {
  const { title, body } = describe(message, previewAllowed());
  const url = `/echanges/${message.exchange_id}`;
  let notification;
  try {
    notification = new Notification(title, {
      body, lang: "fr", tag: `relais-echange-${message.exchange_id}`, renotify: true, data: { url },
      icon: document.querySelector('link[rel="apple-touch-icon"]')?.href || undefined,
    });
  } catch {
    return;  // a browser that shows notifications only through a service worker (Android): none here
  }
  notification.addEventListener("click", () => {
    window.focus();
    notification.close();
    if (openExchange() !== message.exchange_id) location.assign(url);
  });
}

/** The top bar's switch: shown while the browser has not been asked; the one place that asks. */
function wireSwitch() {
  const button = document.getElementById("notifications-switch");
  if (!button || !supported()) return;
  button.hidden = Notification.permission !== "default";
  button.addEventListener("click", async () => {
    const answer = await Notification.requestPermission();
    button.hidden = answer !== "default";
    if (answer === "denied") {
      const status = document.getElementById("live-status");
      if (status) {
        status.hidden = false;
        status.textContent = "Notifications refusées : vous pourrez les autoriser dans les réglages du navigateur "
          + "pour ce site.";
        setTimeout(() => { status.hidden = true; }, 8000);
      }
    }
  });
}

/** Notify new messages of others that arrive on the page's socket (a Live of relais/live.js). */
export function followNotifications(live) {
  wireSwitch();
  if (!supported()) return;
  let me = null;
  whoAmI().then((id) => { me = id; });
  live.on("message.created", (event) => {
    const message = event.data || {};
    if (Notification.permission !== "granted" || me === null) return;
    if (SILENT_KINDS.has(message.kind)) return;
    if (message.author && message.author.id === me) return;  // one's own, from this or another device
    if (document.visibilityState === "visible" && openExchange() === message.exchange_id) return;  // on screen
    show(message);
  });
}
