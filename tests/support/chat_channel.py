"""A minimal chat channel for kernel tests (the real conversation plugin lives in plugins/)."""
from __future__ import annotations

from kernel import GROUP_MONSISRA, GROUP_MSSANTE, Channel, FormField, hookimpl


class ChatChannel:
    """Owns "test_chat" (chat space) and "test_mail" (mail space); stores and pushes, nothing else."""

    @hookimpl
    def register_channels(self):
        return [Channel("test_chat", "Démarrer une conversation", GROUP_MONSISRA, "chat", order=10),
                Channel("test_mail", "Rédiger un mail sécurisé", GROUP_MSSANTE, "mail", order=20)]

    @hookimpl
    def compose_form(self, channel, patient):
        if channel not in ("test_chat", "test_mail"):
            return []
        subject = f"{patient.first_name} {patient.birth_name}" if patient else None
        return [FormField("members", "person", "Participants", required=True, many=True, order=10,
                          options={"kind": "account"}),
                FormField("patient", "patient", "Patient", order=20),
                FormField("subject", "text", "Objet", required=True, default=subject, order=30),
                FormField("body", "message", "Message", order=40),
                FormField("attachments", "attachments", "Pièces jointes", order=50)]

    @hookimpl
    def deliver(self, channel, exchange, message, context):
        return True if channel in ("test_chat", "test_mail") else None


class MssanteScreen:
    """A send screen whose recipients are published MSSanté addresses (like the mail or document
    channels), for picker tests: ``MssanteScreen("test_document", "Envoyer un document")``; with
    ``receives_mail`` it is the platform's free secure mail channel (offered to write to someone without an account)."""

    def __init__(self, name: str, label: str, receives_mail: bool = False) -> None:
        self.name, self.label, self.receives_mail = name, label, receives_mail

    @hookimpl
    def register_channels(self):
        return [Channel(self.name, self.label, GROUP_MSSANTE, "mail", receives_mail=self.receives_mail)]

    @hookimpl
    def compose_form(self, channel, patient):
        if channel != self.name:
            return []
        return [FormField("recipients", "person", "Destinataires", required=True, many=True, order=10,
                          options={"kind": "mssante"}),
                FormField("subject", "text", "Objet", required=True, order=30)]

    @hookimpl
    def deliver(self, channel):
        return True if channel == self.name else None
