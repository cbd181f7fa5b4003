"""In the demo only: the test software (listener.py) on a loopback port, so « Envoyer vers mon logiciel »
reaches a software and the user sees « Intégré ». Started by ``relais demo`` as a service."""
from __future__ import annotations

import io
import logging

from flask import current_app

from kernel import current_relais

from .instances import PLUGIN
from .listener import LoopbackSoftware
from .push import DEMO_SOFTWARE

log = logging.getLogger(__name__)


class DemoSoftware:
    name = DEMO_SOFTWARE

    def __init__(self) -> None:
        self.software: LoopbackSoftware | None = None

    def start(self) -> None:
        port = int(current_relais().plugin_settings(PLUGIN).get("demo_port", 0))
        self.software = LoopbackSoftware().start("127.0.0.1", port)
        current_app.extensions[DEMO_SOFTWARE] = self.software
        log.info("dpi_hl7: demo software listening on 127.0.0.1:%s (MLLP)", self.software.port)

    def stop(self) -> None:
        if self.software is not None:
            self.software.stop()
            self.software = None


DEMO_SUBJECT = "Compte rendu de consultation de cardiologie"
_REPORT = """<html><head><meta charset="utf-8"><style>body{{font-family:sans-serif;margin:2cm}}h1{{font-size:18pt}}
p{{line-height:1.5}}</style></head><body><h1>Compte rendu de consultation</h1>
<p><b>Patient :</b> {patient}</p><p><b>Médecin :</b> {doctor}, cardiologue</p>
<p>Consultation de suivi. Examen clinique sans particularité, ECG en rythme sinusal. Poursuite du
traitement en cours ; prochain contrôle dans six mois.</p>
<p><i>Document de démonstration : aucune donnée réelle.</i></p></body></html>"""


def seed(accounts: dict, patients: list) -> None:
    """A conversation holding a consultation report (a PDF), so « Envoyer vers mon logiciel » has a document to
    push in the demo at once, on the platform's first chat channel (the « + » panel's order). Added once; left
    out when no chat channel takes it or wkhtmltopdf is missing."""
    from kernel import SendRejected
    from kernel.models import Exchange

    relais = current_relais()
    doctor, gp = accounts.get("thomas.durand"), accounts.get("julie.bernard")
    patient = next((p for p in patients if p.qualified), None)
    chats = sorted((c for c in relais.channels.values() if c.space == "chat"), key=lambda c: c.order)
    if not chats or doctor is None or gp is None or patient is None:
        return
    if Exchange.select().where(Exchange.subject == DEMO_SUBJECT).exists():
        return  # seeded on a previous start
    try:
        pdf = relais.pdf.render(_REPORT.format(patient=patient.short_name, doctor=doctor.full_name),
                                title="Compte rendu de consultation")
    except Exception as exc:  # wkhtmltopdf missing: the demo runs without this document
        log.warning("dpi_hl7: demo report not rendered: %s", exc)
        return
    attachment = relais.attachments.save(io.BytesIO(pdf), "Compte-rendu-cardiologie.pdf", doctor)
    try:
        relais.sender.start_exchange(chats[0].name, doctor, {
            "acting_as": doctor.identity_id, "members": [gp.identity_id], "patient": patient.id,
            "subject": DEMO_SUBJECT, "body": "Bonjour, voici mon compte rendu pour votre patiente.",
            "attachments": [attachment.id]})
    except SendRejected as exc:  # a chat channel with other fields: the demo goes without this document
        log.warning("dpi_hl7: demo report not sent: %s", exc.errors)
