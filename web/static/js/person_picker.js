// The person picker of every send screen (and of "add members"): the directory's two search fields,
// PROFESSIONNELS / SERVICES paged, values by kind (identity ids for accounts, addresses for MSSanté).

import { FIRST_PAGE, GROUPS, NEXT_PAGE, searchDirectory, toItem, typedAddressItem } from "./directory.js";
import { noAccountHint } from "./no_account_hint.js";
import { createPicker } from "./picker.js";

/**
 * createPersonPicker({inputId, kind, many, placeholder, exclude, onChange})
 *   kind: "account" | "mssante" | "" (the field's options.kind);
 *   exclude(): identity ids not to offer (the identity one writes for, current members);
 *   url: a search answering like GET /api/v1/directory instead of it (the field's options.url).
 */
export function createPersonPicker({ inputId, kind = "", many = false, placeholder, exclude = () => [],
  onChange = () => {}, url = "" }) {
  const search = async (query, { signal, group, offset = 0 }) => {
    if (!query.q && !query.where) return { groups: [] };
    const r = await searchDirectory({ q: query.q, where: query.where, kind, group: group || "",
      limit: group ? NEXT_PAGE : FIRST_PAGE, offset, url }, signal);
    if (r.error) return { groups: [], error: r.error };
    const skip = new Set(exclude().filter((id) => id !== null && id !== undefined));
    const items = (rows) => rows.filter((e) => e.identity_id === null || !skip.has(e.identity_id))
      .map((e) => toItem(e, kind, query.q));
    const groups = GROUPS.filter(([key]) => !group || key === group)
      .map(([key, label]) => ({ key, label, items: items(r[key]), more: r.more[key] }));
    const found = GROUPS.some(([key]) => r[key].length);  // oneself or a member already: not "nobody"
    // CONV-2: a conversation is for account holders only; say who could get a secure mail instead.
    const empty = !found && !group && kind === "account" && !url ? await noAccountHint(query, signal) : undefined;
    // An MSSanté address typed in full may be someone the directory does not list: offered as it is.
    const typedAddress = kind === "mssante" && !query.where ? typedAddressItem(query.q) : null;
    const actions = typedAddress && !picker.get().some((c) => c.id === typedAddress.id)
      ? [{ label: `Écrire à ${typedAddress.value}`, run: () => picker.add(typedAddress) }] : [];
    return { groups, empty, actions };
  };
  const picker = createPicker({
    inputId, many, search, onChange,
    freeText: kind === "mssante" ? typedAddressItem : () => null,
    placeholder: placeholder || "Nom, spécialité, service…",
    where: { placeholder: "Ville, département, établissement", label: "Ville, département, établissement" },
    emptyText: (q) => (q && (q.q || q.where)
      ? `Aucun résultat pour « ${[q.q, q.where].filter(Boolean).join(", ")} ».`
      : "Saisissez un nom, une spécialité ou un service, et si besoin une ville."),
  });
  return picker;
}

/** A chosen value given back by the server (a default, a draft) as a chip. */
export function personItem(value, kind) {
  if (value === null || value === undefined) return null;
  if (typeof value === "object") {
    const id = value.id ?? value.identity_id;
    const label = value.display_name || value.label || value.address || String(id);
    if (kind === "mssante") {
      const chip = label === value.address ? label : `${label} <${value.address}>`;
      return { id: value.address, value: value.address, label, chip };
    }
    return { id: `i${id}`, value: id, label, chip: label };
  }
  return kind === "mssante" ? { id: value, value, label: value, chip: value } : { id: `i${value}`, value, label: String(value) };
}
