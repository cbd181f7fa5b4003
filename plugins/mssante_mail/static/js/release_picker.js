// The mailbox picker of « Remettre dans une boîte »: the platform's own mailboxes (organisational mailboxes,
// then professionals), searched by name or address; the value is the address.

import { api } from "relais/api.js";
import { createPicker } from "relais/picker.js";

const FIRST_PAGE = 5;
const NEXT_PAGE = 10;
const GROUPS = [["structures", "MESSAGERIES ORGANISATIONNELLES"], ["professionals", "PROFESSIONNELS"]];

/** A mailbox of the API ({address, identity: {display_name, kind}, ...}) as a picker item. */
export function targetItem(target) {
  const name = target.identity.display_name;
  const structure = target.identity.kind === "structure";
  let warning = "";
  if (structure && target.delegates === 0) warning = "Aucun délégué ne lit cette boîte";
  if (!structure && target.active === false) warning = "Compte désactivé";
  return {
    id: target.address, value: target.address, label: name, chip: `${name} <${target.address}>`,
    detail: [structure ? "" : target.profession, target.address].filter(Boolean).join(" · "),
    badge: structure ? "Messagerie organisationnelle" : "", warning,
  };
}

/** createReleasePicker({inputId}) -> the picker ({el, get, set, focus, ...}), one mailbox at a time. */
export function createReleasePicker({ inputId, onChange }) {
  const search = async (query, { signal, group, offset = 0 }) => {
    const params = new URLSearchParams({ q: query.q, limit: String(group ? NEXT_PAGE : FIRST_PAGE) });
    if (group) params.set("group", group);
    if (offset) params.set("offset", String(offset));
    const r = await api(`/mssante_mail/admin/release-targets?${params}`, { signal });
    if (!r.ok) return { groups: [], error: Object.values(r.errors).flat().join(" ") };
    return {
      groups: GROUPS.filter(([key]) => !group || key === group)
        .map(([key, label]) => ({ key, label, items: (r.data[key] || []).map(targetItem), more: r.data.more[key] })),
    };
  };
  return createPicker({
    inputId, search, onChange,
    placeholder: "Nom ou adresse de la boîte…",
    emptyText: (q) => (q && q.q ? `Aucune boîte de la plateforme ne correspond à « ${q.q} ».`
      : "Aucune boîte sur la plateforme."),
  });
}
