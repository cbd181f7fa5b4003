// One held mail of « Mails non distribués »: its table row, and the panel under it that releases it into
// a mailbox or discards it after confirmation. Errors show where they belong: the mailbox field, or the panel.

import { allMessages, api } from "relais/api.js";
import { h, uniqueId } from "relais/dom.js";
import { fileSize } from "relais/format.js";
import { createReleasePicker, targetItem } from "./release_picker.js";

const COLUMNS = 7;
const LOCAL = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/;

/** "12/03/2026" and "14:05" of the platform's local time ("2026-03-12T14:05:00.000+01:00"). */
export function localParts(value) {
  const m = LOCAL.exec(value || "");
  return m ? { date: `${m[3]}/${m[2]}/${m[1]}`, time: `${m[4]}:${m[5]}` } : { date: "", time: "" };
}

/** An address that may wrap after its "@" (never in the middle of a word). */
function addressNode(address, cls = "held-address") {
  const at = address.lastIndexOf("@");
  if (at < 0) return h("span", { class: cls }, address);
  return h("span", { class: cls }, address.slice(0, at + 1), h("wbr"), address.slice(at + 1));
}

function mailboxName(identity, address) {
  return identity ? `« ${identity.display_name} » (${address})` : address;
}

function stateCell(row) {
  if (row.status === "held") return null;
  const when = localParts(row.resolved_at_local);
  const by = [row.resolved_by_name ? `par ${row.resolved_by_name}` : "", when.date ? `le ${when.date} à ${when.time}` : ""]
    .filter(Boolean).join(", ");
  if (row.status === "released") {
    const to = row.released_to;
    return h("div", { class: "held-state" }, h("span", { class: "pill pill-success" }, "Remis"),
      to ? h("span", { class: "held-state-line" }, "dans ", h("strong", {}, to.identity ? to.identity.display_name : to.address),
        to.identity ? h("span", { class: "muted" }, ` <${to.address}>`) : null) : null,
      by ? h("span", { class: "held-state-line muted" }, by) : null);
  }
  return h("div", { class: "held-state" }, h("span", { class: "pill pill-muted" }, "Supprimé"),
    by ? h("span", { class: "held-state-line muted" }, by) : null);
}

/**
 * heldRow(row, {onSettled(row, message, held), panels}) -> [tr, panel tr]
 * onSettled: the server's new row after a release or a discard, the sentence to announce, the held count.
 * panels: {opened(handle), closed(handle)}: the page keeps one panel open at a time.
 */
export function heldRow(row, { onSettled, panels }) {
  const received = localParts(row.created_at_local);
  const actions = h("td", { class: "col-actions", tabindex: "-1" });
  const tr = h("tr", { class: `held-row status-${row.status}`, dataset: { id: row.id } },
    h("td", { class: "col-date" }, h("time", { datetime: row.created_at_local || "" },
      h("span", { class: "held-date" }, received.date), h("span", { class: "held-time" }, received.time))),
    h("td", { class: "col-from" }, row.mail_from ? addressNode(row.mail_from)
      : h("span", { class: "held-address" }, "(expéditeur vide : avis automatique)"),
      h("span", { class: "held-meta", title: `Message-ID : ${row.message_id}` }, `Message-ID : ${row.message_id}`)),
    // Who holds the intended address now (created since): the mail can go to its own mailbox.
    h("td", { class: "col-mailbox" }, addressNode(row.mailbox),
      row.mailbox_holder ? h("span", { class: "held-meta" }, `Boîte de ${row.mailbox_holder.display_name}`) : null),
    h("td", { class: "col-size" }, fileSize(row.size)),
    h("td", { class: "col-reason" }, row.reason, h("span", { class: "held-meta" }, `Code ${row.code}`)),
    h("td", { class: "col-mdn" }, row.error_mdn_sent ? h("span", { class: "pill pill-info" }, "Envoyé")
      : h("span", { class: "pill pill-muted", title: "Un accusé d'erreur part seulement si l'expéditeur a demandé un accusé de réception." },
        "Non envoyé")),
    actions);
  const panelCell = h("td", { colspan: String(COLUMNS) });
  const panel = h("tr", { class: "held-panel", hidden: true, dataset: { panelFor: row.id } }, panelCell);
  let handle = null;  // the open panel: {close, trigger}

  function close(focusOn) {
    if (handle) {
      handle.trigger.setAttribute("aria-expanded", "false");
      const closing = handle;
      handle = null;
      panels.closed(closing);
    }
    panel.hidden = true;
    panelCell.replaceChildren();
    tr.classList.remove("open");
    if (focusOn) focusOn.focus();
  }

  function show(content, focus, trigger) {
    close();
    handle = { close: () => close(), trigger };
    panels.opened(handle);
    trigger.setAttribute("aria-expanded", "true");
    panelCell.replaceChildren(content);
    panel.hidden = false;
    tr.classList.add("open");
    content.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) close(trigger);
    });
    focus();
  }

  function settled(data, message) {
    close();
    onSettled(data.row, message, data.held);
  }

  function releasePanel(trigger) {
    const inputId = uniqueId("remettre");
    const error = h("p", { class: "field-error", id: uniqueId("remettre-erreur"), hidden: true });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Remettre le mail");
    const field = h("div", { class: "field" });
    const picker = createReleasePicker({ inputId, onChange: () => { error.hidden = true; field.classList.remove("has-error"); } });
    const intended = row.mailbox_holder
      ? `Boîte prévue : ${mailboxName(row.mailbox_holder, row.mailbox)}, choisie par défaut.`
      : `Boîte prévue : ${row.mailbox}. Aucune boîte de la plateforme ne détient cette adresse : choisissez-en une autre, `
        + "par exemple la messagerie organisationnelle du service concerné.";
    if (row.mailbox_holder) picker.set([targetItem({ address: row.mailbox, identity: row.mailbox_holder })]);
    field.append(h("label", { class: "field-label", for: inputId }, "Boîte où remettre ce mail"),
      h("p", { class: "help" }, intended), picker.el, error);
    picker.input.setAttribute("aria-describedby", error.id);
    const form = h("form", { class: "held-form", novalidate: true }, field,
      h("div", { class: "held-form-actions" }, submit,
        h("button", { type: "button", class: "btn btn-link", onclick: () => close(trigger) }, "Annuler")));

    function fail(errors) {
      const messages = errors.to || allMessages(errors);
      error.textContent = messages.join(" ");
      error.hidden = false;
      field.classList.add("has-error");
      picker.focus();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const [chosen] = picker.get();
      if (!chosen) {
        fail({ to: ["Choisissez la boîte où remettre ce mail."] });
        return;
      }
      submit.disabled = true;
      submit.textContent = "Remise en cours…";
      const r = await api(`/mssante_mail/admin/undelivered/${row.id}/release`, { method: "POST", json: { to: chosen.value } });
      submit.disabled = false;
      submit.textContent = "Remettre le mail";
      if (!r.ok) {
        fail(r.errors);
        return;
      }
      const to = r.data.to;
      settled(r.data, `Le mail de ${row.mail_from || "l'expéditeur"} a été remis dans la boîte `
        + `${to ? mailboxName(to.identity, to.address) : chosen.value}.`);
    });
    show(form, () => picker.focus(), trigger);
  }

  function discardPanel(trigger) {
    const error = h("p", { class: "banner banner-danger", role: "alert", hidden: true });
    const confirm = h("button", { type: "button", class: "btn btn-danger" }, "Supprimer définitivement");
    const box = h("div", { class: "held-confirm", role: "group", "aria-label": "Confirmer la suppression" },
      error,
      h("p", {}, h("strong", {}, "Supprimer définitivement ce mail ? "),
        "Son contenu sera effacé et il ne pourra plus être remis dans une boîte. ",
        row.error_mdn_sent ? "L'expéditeur a déjà reçu un accusé d'erreur."
          : "L'expéditeur n'a pas reçu d'accusé d'erreur : prévenez-le si nécessaire."),
      h("div", { class: "held-form-actions" }, confirm,
        h("button", { type: "button", class: "btn btn-link", onclick: () => close(trigger) }, "Annuler")));
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      const r = await api(`/mssante_mail/admin/undelivered/${row.id}/discard`, { method: "POST" });
      confirm.disabled = false;
      if (!r.ok) {
        error.textContent = allMessages(r.errors).join(" ");
        error.hidden = false;
        return;
      }
      settled(r.data, `Le mail de ${row.mail_from || "l'expéditeur"} pour ${row.mailbox} a été supprimé définitivement.`);
    });
    show(box, () => confirm.focus(), trigger);
  }

  const state = stateCell(row);
  if (state) {
    actions.append(state);
  } else {
    const release = h("button", { type: "button", class: "btn btn-secondary btn-small", "aria-expanded": "false" },
      "Remettre dans une boîte");
    const discard = h("button", { type: "button", class: "btn btn-danger-outline btn-small", "aria-expanded": "false" },
      "Supprimer définitivement");
    release.addEventListener("click", () => releasePanel(release));
    discard.addEventListener("click", () => discardPanel(discard));
    actions.append(h("div", { class: "held-actions" }, release, discard));
  }
  return [tr, panel];
}
