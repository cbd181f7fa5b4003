// What a link to a send screen gives (/envoyer/<channel>?destinataire=…&nom=…&objet=…&patient=…): the screen
// opens with it filled in; nothing is sent without a click. form.js counts it as the link's, not as typing.

import { api } from "./api.js";

/**
 * "?destinataire=<address>&nom=<name>": the screen opens with that MSSanté address chosen (the
 * conversation picker sends here someone who has no platform account). Nothing is sent without a click.
 */
function prefillRecipient(controls) {
  const params = new URLSearchParams(location.search);
  const address = params.get("destinataire");
  const target = [...controls.values()].find((c) => c.spec.type === "person" && c.spec.options?.kind === "mssante");
  if (!address || !target || !/^[^\s@<>]+@[^\s@<>]+$/.test(address)) return;
  target.set([{ address, display_name: params.get("nom") || address }]);
}

/**
 * "?objet=<subject>&patient=<id>": a link that answers something (a received document answered by secure
 * mail) opens the screen with its subject and its patient chosen; the patient only if the user may see them.
 */
async function prefillSubjectAndPatient(controls, onPatientChange) {
  const params = new URLSearchParams(location.search);
  const subject = controls.get("subject");
  const objet = params.get("objet");
  if (objet && subject && subject.spec.type === "text" && subject.isEmpty()) {
    subject.set(objet.slice(0, subject.spec.max_length || 250));
  }
  const patientId = Number(params.get("patient"));
  const patient = [...controls.values()].find((c) => c.spec.type === "patient");
  if (!Number.isInteger(patientId) || patientId <= 0 || !patient) return;
  const r = await api(`patients/${patientId}`);
  if (!r.ok || !r.data.patient) return;
  patient.set(r.data.patient);
  onPatientChange(patientId);
}

/** Fill the screen's `controls` (name -> control) from the link; `onPatientChange(id)` asks the channel's defaults. */
export async function prefillFromLink(controls, onPatientChange) {
  prefillRecipient(controls);
  await prefillSubjectAndPatient(controls, onPatientChange);
}
