"""Syntheses: the channel builds HTML through ``synthesize``; the kernel renders the PDF, stores it and
posts it in the exchange, so every member finds it in the thread."""
from __future__ import annotations

import io

from ..db import write_transaction
from ..models import Account, Attachment, Exchange, Message
from ..relais import current_relais
from .pdf import PdfUnavailable
from .system_messages import post_system_message
from .threads import attach

SYNTHESIS = "synthesis"  # the kind of the message that carries a generated synthesis


class SynthesisUnavailable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def make_synthesis(exchange: Exchange, account: Account, message_ids: list[int] | None) -> Attachment:
    """Render the synthesis of the chosen messages (by default every message but earlier syntheses)."""
    relais = current_relais()
    query = Message.select().where(Message.exchange == exchange.id).order_by(Message.id)
    if message_ids is not None:
        query = query.where(Message.id.in_(message_ids))
    else:
        query = query.where(Message.kind != SYNTHESIS)
    chosen = list(query)
    if message_ids is not None and len(chosen) != len(set(message_ids)):
        raise SynthesisUnavailable(422, "Un des messages choisis n'appartient pas à cet échange.")
    attach(chosen)
    document = relais.pm.hook.synthesize(channel=exchange.channel, exchange=exchange, messages=chosen,
                                         account=account)
    if document is None:
        raise SynthesisUnavailable(409, "Ce type d'échange ne propose pas de synthèse.")
    try:
        pdf = relais.pdf.render(document.html, title=document.title, page_numbers=True)
    except PdfUnavailable as exc:
        relais.audit.record("exchange.synthesis", account_id=account.id, target=f"exchange:{exchange.id}",
                            outcome="error", status=503, reason="pdf renderer unavailable")
        raise SynthesisUnavailable(503, str(exc)) from None
    with write_transaction():
        attachment = relais.attachments.save(io.BytesIO(pdf), document.filename, account)
        post_system_message(exchange, f"Synthèse générée : {document.title}", kind=SYNTHESIS, author=account,
                            data={"messages": [m.id for m in chosen]}, attachments=[attachment])
        relais.audit.record("exchange.synthesis", account_id=account.id, target=f"exchange:{exchange.id}",
                            status=201, detail=f"messages={len(chosen)}")
    return attachment
