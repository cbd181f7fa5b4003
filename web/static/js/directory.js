// The directory ("annuaire") as the pickers see it: GET /api/v1/directory, entries made picker items.

import { api } from "./api.js";

export const FIRST_PAGE = 5;  // "a few at a time"; "Voir plus de résultats" asks for the next ones
export const NEXT_PAGE = 10;
export const GROUPS = [["professionals", "PROFESSIONNELS"], ["services", "SERVICES"]];
const ADDRESS_TYPES = { PER: "Adresse personnelle", ORG: "Adresse de la structure", APP: "Adresse applicative",
  CAB: "Adresse du cabinet" };

/** One entry of either API shape (the older one had identity ids as `id` and addresses as strings). */
export function normalizeEntry(raw) {
  const identityId = raw.identity_id !== undefined ? raw.identity_id : (typeof raw.id === "number" ? raw.id : null);
  return {
    ...raw,
    id: String(raw.id),
    identity_id: identityId,
    has_account: Boolean(raw.has_account),
    addresses: (raw.addresses || []).map((a) => (typeof a === "string" ? { address: a, type: "", label: "" } : a)),
  };
}

/** The body of a search, whichever shape: {professionals, services, more: {professionals, services}}. */
export function normalizeResults(data) {
  const more = data.more || { professionals: Boolean(data.has_more), services: false };
  return {
    professionals: (data.professionals || []).map(normalizeEntry),
    services: (data.services || []).map(normalizeEntry),
    more: { professionals: Boolean(more.professionals), services: Boolean(more.services) },
  };
}

/** `url`: another search answering like GET /api/v1/directory (a person field's options.url). */
export async function searchDirectory({ q = "", where = "", kind = "", group = "", limit = FIRST_PAGE, offset = 0,
  url = "" }, signal) {
  const params = new URLSearchParams({ q, limit: String(limit) });
  if (where) params.set("where", where);
  if (kind) params.set("kind", kind);
  if (group) params.set("group", group);
  if (offset) params.set("offset", String(offset));
  const r = await api(`${url || "directory"}${url.includes("?") ? "&" : "?"}${params}`, { signal });
  if (!r.ok) return { error: Object.values(r.errors).flat().join(" ") };
  return normalizeResults(r.data);
}

/** "Médecin généraliste · Cardiologie · CH Annecy · Annecy (74000)". */
export function describe(entry) {
  const place = entry.city ? `${entry.city}${entry.postcode ? ` (${entry.postcode})` : ""}` : (entry.department || "");
  const job = entry.specialty && entry.specialty !== entry.profession ? [entry.profession, entry.specialty] : [entry.profession];
  return [...job, entry.organisation, place].filter(Boolean).join(" · ");
}

// The syntax kernel/mail/addresses.py is_valid() accepts (dot-atom local part, LDH labels): a typed address
// that passes is taken as a recipient; the mail plugin's rules still judge it when the screen is sent.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`);

export function isAddress(text) {
  const local = text.slice(0, text.lastIndexOf("@"));
  return text.length <= 254 && local.length <= 64 && ADDRESS.test(text);
}

/** A typed MSSanté address as a picker item (not from the directory). */
export function typedAddressItem(text) {
  const address = text.trim().replace(/^<(.*)>$/, "$1");
  if (!isAddress(address)) return null;
  return { id: address.toLowerCase(), value: address, label: address, chip: address };
}

export function addressDetail(address) {
  return [ADDRESS_TYPES[address.type] || "", address.label].filter(Boolean).join(" · ");
}

/**
 * The address the typed text was found in (a search by address: "secretariat@cabinet"), when the entry's
 * name does not say it already: the result then shows why it came up.
 */
export function matchedAddress(entry, q) {
  const text = (q || "").trim().toLowerCase();
  if (text.length < 3 || /\s/.test(text) || entry.display_name.toLowerCase().includes(text)) return "";
  return entry.addresses.map((a) => a.address).find((a) => a.toLowerCase().includes(text)) || "";
}

/**
 * Picker items for one kind of field:
 *   "account": platform account holders, the value is the identity id;
 *   "mssante": published addresses, the value is the address (a person with several unfolds into them).
 */
export function toItem(entry, kind, q = "") {
  const badge = entry.has_account ? "Inscrit sur la plateforme" : "";
  const detail = describe(entry);
  const matched = matchedAddress(entry, q);
  if (kind === "mssante") {
    const addresses = entry.addresses;
    const chipOf = (a) => `${entry.display_name} <${a.address}>`;
    if (!addresses.length) {
      return { id: `e${entry.id}`, label: entry.display_name, detail, badge, disabled: true,
        note: "Aucune adresse MSSanté publiée." };
    }
    if (addresses.length === 1) {
      const a = addresses[0];
      // The address says where it leads (its structure, as the directory labels it), but only what the line does
      // not say already: « (CABINET DE SOINS DURAND, Le Puy-en-Velay) » after that very cabinet and city is noise.
      const said = detail.toLowerCase();
      const untold = (a.label || "").split(",").map((part) => part.trim())
        .filter((part) => part && !said.includes(part.toLowerCase()));
      const where = untold.length ? ` (${untold.join(", ")})` : "";
      return { id: a.address, value: a.address, label: entry.display_name, chip: chipOf(a), badge,
        detail: [detail, `${a.address}${where}`].filter(Boolean).join(" · ") };
    }
    return {
      id: `e${entry.id}`, label: entry.display_name, detail: [detail, matched && `Adresse trouvée : ${matched}`]
        .filter(Boolean).join(" · "), badge,
      children: addresses.map((a) => ({ id: a.address, value: a.address, label: a.address, chip: chipOf(a),
        detail: addressDetail(a) })),
    };
  }
  const value = entry.identity_id ?? (kind === "account" ? null : entry.id);
  const noAccount = kind === "account" && (!entry.has_account || value === null);
  // `unavailable`: a French reason this entry cannot be chosen now (an expert away until a date).
  return {
    id: `i${value ?? entry.id}`, value, label: entry.display_name, chip: entry.display_name,
    detail: [detail, matched && `Adresse trouvée : ${matched}`].filter(Boolean).join(" · "),
    badge: entry.badge ?? badge, disabled: noAccount || Boolean(entry.unavailable),
    note: noAccount ? "Pas de compte sur la plateforme : mail sécurisé ou invitation" : (entry.unavailable || ""),
  };
}
