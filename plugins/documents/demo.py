"""Demo data (``relais demo``): Dr Bernard sent a consultation report about a demo patient to Dr Durand (delivered on
the demo platform itself), and received a discharge letter about the same patient from a hospital, as an IHE XDM
mail through the transport's one way in."""
from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from kernel import current_relais
from kernel.mail import accept, addresses_of
from kernel.models import Account, Exchange, Patient

from .document_types import document_types
from .outgoing import CHANNEL, SUBJECT_PREFIX, patient_identity, subject_for
from .xdm import ZIP_NAME, Author, Document, Package, build_zip

HOSPITAL = "cardiologie@chu-exemple.mssante.fr"
HOSPITAL_NAME = "Service de cardiologie - CHU Exemple"
RECEIVED_ID = "<demo-lettre-de-sortie@chu-exemple.mssante.fr>"  # fixed: a second start receives nothing new
# A minimal valid PDF, when wkhtmltopdf is not installed.
_BARE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def seed(accounts: dict[str, Account], patients: list[Patient]) -> None:
    julie, thomas = accounts.get("julie.bernard"), accounts.get("thomas.durand")
    patient = next((p for p in patients if p.ins and p.qualified), None)
    if julie is None or thomas is None or patient is None:
        return
    mine, theirs = addresses_of(julie.identity_id), addresses_of(thomas.identity_id)
    if not mine or not theirs:
        return
    if not Exchange.select().where(Exchange.channel == CHANNEL).exists():
        send_report(julie, theirs[0], patient)
    receive_letter(mine[0], patient)


def _pdf(title: str, patient: Patient, lines: list[str]) -> bytes:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body style="font-family:sans-serif"><h1 style="font-size:18pt">{escape(title)}</h1>'
            f"<p><strong>{escape(patient.birth_name.upper())} {escape(patient.first_names)}</strong>, "
            f"né(e) le {patient.birth_date:%d/%m/%Y}</p>{body}</body></html>")
    try:
        return current_relais().pdf.render(html, title=title)
    except Exception:  # no wkhtmltopdf on this machine: the demo still shows the channel
        return _BARE_PDF


def send_report(julie: Account, to: str, patient: Patient) -> None:
    relais = current_relais()
    pdf = _pdf("Compte rendu de consultation", patient, [
        "Motif : bilan d'une hypertension artérielle.", "Examen : TA 135/85 mmHg, auscultation normale.",
        "Conclusion : traitement inchangé, contrôle dans trois mois.", "Dr Julie Bernard"])
    attachment = relais.attachments.save(io.BytesIO(pdf), "Compte rendu de consultation.pdf", julie)
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    relais.sender.start_exchange(CHANNEL, julie, {
        "acting_as": julie.identity_id, "recipients": [to], "patient": patient.id, "attachments": [attachment.id],
        "descriptions": {f"type_{attachment.id}": "11488-4", f"date_{attachment.id}": day}})


def receive_letter(mailbox: str, patient: Patient) -> None:
    letter = document_types()["11490-0"]
    day = dt.date.today() - dt.timedelta(days=2)
    pdf = _pdf("Lettre de sortie", patient, [
        "Hospitalisation du service de cardiologie pour une décompensation cardiaque.",
        "Sortie avec un traitement adapté ; consultation de suivi dans un mois.", "Dr Marc Lefèvre, CHU Exemple"])
    package = Package(patient_identity(patient), Author("10003456789", "Lefèvre", "Marc", "CHU Exemple", "690000001"),
                      [Document(pdf, "application/pdf", "Lettre de sortie.pdf", letter, day)],
                      submitted_at=dt.datetime.now(dt.timezone.utc), source_oid="1.2.250.1.999.2")
    mail = EmailMessage()
    mail["From"] = f"{HOSPITAL_NAME} <{HOSPITAL}>"
    mail["To"] = mailbox
    mail["Subject"] = SUBJECT_PREFIX + subject_for(letter.label, patient)
    mail["Date"] = format_datetime(dt.datetime.now().astimezone())
    mail["Message-ID"] = RECEIVED_ID
    mail["X-MSS-INS"] = "O"
    mail["X-MSS-CODECDA"] = letter.code
    mail.set_content(f"Veuillez trouver ci-joint la lettre de sortie de {patient.birth_name.upper()} "
                     f"{patient.first_names}.\n\n{HOSPITAL_NAME}")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="Lettre de sortie.pdf")
    mail.add_attachment(build_zip(package), maintype="application", subtype="zip", filename=ZIP_NAME)
    accept(mail.as_bytes(), HOSPITAL, [mailbox], source="smtp", peer="demo")
