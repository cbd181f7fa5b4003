// Sends kept offline by a send screen (send_outbox.js) leave from whatever page the user is on once the
// connection is back, not only from their own screen: each with its Idempotency-Key, so a screen open in
// another tab trying the same send at the same time still makes one exchange. The user is told where it went.

import { api } from "./api.js";
import { h } from "./dom.js";
import { whoAmI } from "./drafts.js";
import { dropSend, waitingSends } from "./send_outbox.js";

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

/** On every signed-in page but a send screen (which sends its own, and opens the exchange). */
export function followWaitingSends() {
  if (document.getElementById("compose-form")) return;
  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  flush();
}
