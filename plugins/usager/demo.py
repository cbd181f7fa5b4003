"""Demo data (``relais demo``): Dr Bernard wrote to a patient's Mon Espace Santé, and the patient answered."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from kernel import current_relais
from kernel.mail import accept, addresses_of
from kernel.models import Account, Exchange, Message, Patient

from .outgoing import CHANNEL

SUBJECT = "Résultats de votre prise de sang"
BODY = ("<p>Bonjour Madame,</p><p>Vos résultats de prise de sang sont normaux. Nous en reparlerons lors de votre "
        "prochaine consultation.</p><p>Bien cordialement,<br>Dr Julie Bernard</p>")
REPLY = "Merci docteur, à bientôt pour la consultation du mois prochain.\n\nMarie Hélène Dupont"


def seed(accounts: dict[str, Account], patients: list[Patient]) -> None:
    """Idempotent: nothing is added once a usager exchange exists."""
    if Exchange.select().where(Exchange.channel == CHANNEL).exists():
        return
    doctor = accounts.get("julie.bernard")
    patient = next((p for p in patients if p.ins and p.qualified), None)
    if doctor is None or patient is None or not addresses_of(doctor.identity_id):
        return
    relais = current_relais()
    exchange, message = relais.sender.start_exchange(CHANNEL, doctor, {
        "acting_as": doctor.identity_id, "ins": patient.ins, "subject": SUBJECT, "body": BODY, "attachments": []})
    sent = Message.get_by_id(message.id)
    # The demo has no Mon Espace Santé to relay to: its acknowledgement comes back at once ("remis"), so the
    # mail is not offered to the demo's own receiver, which serves only the demo's domain.
    acknowledge(sent)
    answer_from_patient(sent, patient)


def acknowledge(sent: Message) -> None:
    """Mon Espace Santé's "processed" acknowledgement (RFC 8098), received like any (``accept``)."""
    facts = sent.data["mail"]
    report = EmailMessage()
    report["From"] = facts["to"][0]
    report["To"] = facts["from"]
    report["Subject"] = f"Accusé de réception : {facts['subject']}"
    report["Message-ID"] = make_msgid(domain="patient.mssante.fr")
    report["Auto-Submitted"] = "auto-replied"
    report.set_content("Votre message a été remis dans la messagerie Mon Espace Santé du patient.")
    report.make_mixed()
    notification = EmailMessage()
    notification.set_content(
        f"Final-Recipient: rfc822; {facts['to'][0]}\r\nOriginal-Message-ID: <{facts['message_id']}>\r\n"
        "Disposition: automatic-action/MDN-sent-automatically; processed\r\n".encode(),
        maintype="message", subtype="disposition-notification", cte="7bit")
    report.attach(notification)
    report.replace_header("Content-Type", 'multipart/report; report-type="disposition-notification"; '
                          f'boundary="{report.get_boundary()}"')
    accept(report.as_bytes(), "", [facts["from"]], source="smtp", peer="demo")


def answer_from_patient(sent: Message, patient: Patient) -> None:
    """The patient's answer, received the way any mail is (the transport's one way in, ``accept``)."""
    facts = sent.data["mail"]
    reply = EmailMessage()
    reply["From"] = f"{patient.first_name} {patient.birth_name} <{facts['to'][0]}>"
    reply["To"] = facts["from"]
    reply["Subject"] = f"Re: {facts['subject']}"
    reply["Date"] = format_datetime(sent.created_at.replace(tzinfo=None).astimezone())
    reply["Message-ID"] = make_msgid(domain="patient.mssante.fr")
    reply["In-Reply-To"] = f"<{facts['message_id']}>"
    reply["References"] = f"<{facts['message_id']}>"
    reply.set_content(REPLY)
    accept(reply.as_bytes(), facts["to"][0], [facts["from"]], source="smtp", peer="demo")
