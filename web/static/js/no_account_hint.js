// CONV-2: nobody with a platform account matches. Say so, and offer a secure mail or an invitation.

import { api } from "./api.js";
import { h } from "./dom.js";
import { searchDirectory } from "./directory.js";
import { platformName } from "./platform.js";

const HINT_PEOPLE = 3;
let channelsPromise = null;

/** The page's enabled channels (the "+" panel's list), fetched once. */
function channels() {
  channelsPromise = channelsPromise || api("channels").then((r) => (r.ok ? r.data.channels : []));
  return channelsPromise;
}

/** The platform's free secure mail channel (the one that declares receives_mail), if it has one. */
export async function mailChannel() {
  const all = await channels();
  return all.find((c) => c.receives_mail) || null;
}

function inviteLink(address) {
  const me = document.querySelector(".who-name")?.textContent.trim() || "";
  const subject = `Invitation à rejoindre ${platformName()}`;
  const body = [
    "Bonjour,",
    "",
    `Je souhaiterais échanger avec vous sur ${platformName()}, la messagerie`
      + " sécurisée des professionnels de santé "
      + "de notre région : conversations en direct, photos et documents, au sujet de nos patients communs.",
    "",
    `Pour créer votre compte, rendez-vous sur ${location.origin}/ ou contactez l'administrateur de la plateforme.`,
    "",
    "Bien cordialement,",
    me,
  ].join("\n");
  const href = `mailto:${encodeURIComponent(address || "")}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
  return h("a", { href, class: "hint-invite" }, "Inviter sur la plateforme");
}

/**
 * The hint shown in place of results: search the same text among published MSSanté addresses; someone
 * found there has no account but can receive a secure mail.
 */
export async function noAccountHint(query, signal) {
  const text = [query.q, query.where].filter(Boolean).join(", ");
  const [found, channel] = await Promise.all([
    searchDirectory({ q: query.q, where: query.where, kind: "mssante", limit: HINT_PEOPLE }, signal), mailChannel()]);
  const people = [...(found.professionals || []), ...(found.services || [])]
    .filter((e) => !e.has_account && e.addresses.length).slice(0, HINT_PEOPLE);
  const box = h("div", { class: "picker-hint", role: "note" },
    h("p", { class: "picker-hint-title" }, `Aucun professionnel inscrit sur la plateforme ne correspond à « ${text} ».`));
  if (!people.length) {
    box.append(h("p", {}, "Les conversations sont réservées aux professionnels inscrits. S'il n'est pas encore "
      + "inscrit, invitez-le : "), h("p", {}, inviteLink("")));
    return box;
  }
  for (const person of people) {
    const address = person.addresses[0].address;
    box.append(h("div", { class: "picker-hint-person", dataset: { address } },
      h("p", {}, h("strong", {}, person.display_name), person.profession ? ` · ${person.profession}` : "",
        h("br"), h("span", { class: "picker-option-detail" }, address)),
      h("p", {}, "Ce professionnel n'est pas inscrit sur la plateforme. Vous pouvez lui écrire un mail sécurisé."),
      h("p", { class: "picker-hint-links" },
        channel ? h("a", { class: "hint-mail", href: `/envoyer/${encodeURIComponent(channel.name)}?${new URLSearchParams(
          { destinataire: address, nom: person.display_name })}` }, channel.label) : null,
        inviteLink(address))));
  }
  return box;
}
