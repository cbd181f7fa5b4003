"""Demo data: one document sent by Dr Bernard (delivered on the demo platform itself) and one received from a
hospital, about the same demo patient; a second start adds nothing."""
from __future__ import annotations

from kernel.models import Exchange, Message
from plugins.documents import hooks as documents_plugin
from plugins.mssante_mail import hooks as mail_plugin


def test_demo_data_a_sent_and_a_received_document(relais_make_app):
    from kernel import current_relais, demo
    app = relais_make_app(plugins=[("mssante_mail", mail_plugin), ("documents", documents_plugin)],
                          mail_domains=[demo.DEMO_DOMAIN])
    for _ in range(2):
        demo.seed(app)
    with app.app_context():
        [sent] = Exchange.select().where(Exchange.channel == "documents")
        assert sent.subject.startswith("Compte rendu de consultation ") and sent.patient.qualified
        current_relais().jobs.run_pending()  # local delivery to Dr Durand
        received = [e for e in Exchange.select().where(Exchange.channel == "mssante_mail")
                    if "documents" in (e.data or {})]
        subjects = sorted(e.subject for e in received)
        assert len(received) == 2, subjects  # Dr Durand's copy of the report, Dr Bernard's discharge letter
        assert all(e.patient_id == sent.patient_id for e in received)  # linked: the INS and every trait agree
        letter = next(e for e in received if e.subject.startswith("Lettre de sortie"))
        [message] = Message.select().where(Message.exchange == letter.id)
        assert message.data["documents"]["documents"][0]["type_code"] == "11490-0"
