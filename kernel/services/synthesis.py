"""Syntheses: the channel builds HTML through ``synthesize``; the kernel renders and stores the PDF."""
from __future__ import annotations

import io

from ..models import Account, Attachment, Exchange, Message
from ..relais import current_relais
from .pdf import PdfUnavailable
from .threads import attach


class SynthesisUnavailable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def make_synthesis(exchange: Exchange, account: Account, message_ids: list[int] | None) -> Attachment:
    relais = current_relais()
    query = Message.select().where(Message.exchange == exchange.id).order_by(Message.id)
    if message_ids is not None:
        query = query.where(Message.id.in_(message_ids))
    chosen = list(query)
    if message_ids is not None and len(chosen) != len(set(message_ids)):
        raise SynthesisUnavailable(422, "Un des messages choisis n'appartient pas à cet échange.")
    attach(chosen)
    document = relais.pm.hook.synthesize(channel=exchange.channel, exchange=exchange, messages=chosen,
                                         account=account)
    if document is None:
        raise SynthesisUnavailable(409, "Ce type d'échange ne propose pas de synthèse.")
    try:
        pdf = relais.pdf.render(document.html, title=document.title)
    except PdfUnavailable as exc:
        relais.audit.record("exchange.synthesis", account_id=account.id, target=f"exchange:{exchange.id}",
                            outcome="error", status=503, reason="pdf renderer unavailable")
        raise SynthesisUnavailable(503, str(exc)) from None
    attachment = relais.attachments.save(io.BytesIO(pdf), document.filename, account)
    relais.audit.record("exchange.synthesis", account_id=account.id, target=f"exchange:{exchange.id}", status=201)
    return attachment
