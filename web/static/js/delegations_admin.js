// The administration's list of delegations: « Retirer » asks once more, then withdraws through the API
// (audited, effective at once); the row then says it was withdrawn.

import { allMessages, api } from "./api.js";
import { h } from "./dom.js";

const errorBanner = document.getElementById("delegations-error");
const doneBanner = document.getElementById("delegations-done");

function say(banner, text) {
  for (const b of [errorBanner, doneBanner]) b.hidden = true;
  banner.textContent = text;
  banner.hidden = false;
  if (banner === errorBanner) banner.focus();
}

document.getElementById("delegation-list")?.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-withdraw]");
  if (!button) return;
  const named = button.dataset.named || button.getAttribute("aria-label");  // « Retirer la délégation de X pour Y »
  if (!button.dataset.armed) {
    button.dataset.armed = "true";
    button.dataset.named = named;
    button.textContent = "Confirmer le retrait";
    button.setAttribute("aria-label", named.replace(/^Retirer/, "Confirmer le retrait de"));
    return;
  }
  button.disabled = true;
  const r = await api(`delegations/${button.dataset.withdraw}`, { method: "DELETE" });
  if (!r.ok && r.status !== 404) {
    button.disabled = false;
    say(errorBanner, allMessages(r.errors).join(" "));
    return;
  }
  const label = named.replace(/^Retirer la délégation/, "Délégation");
  button.replaceWith(h("span", { class: "muted" }, "Retirée"));
  say(doneBanner, `${label} retirée.`);
});
