"""CONV-10: the conversation's synthesis, as self-contained HTML (photos inlined) for the PDF renderer."""
from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kernel import SynthesisDocument, acted_for_labels, current_relais, members_of, patient_summary
from kernel.models import Account, Exchange, Message

PARIS = ZoneInfo("Europe/Paris")
INLINE_IMAGE_MAX = 4 * 1024 * 1024  # larger photos are listed, not drawn: the PDF must stay mailable
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))


def platform_name() -> str:
    """The platform as its users know it (setting platform_name), as the pages say it."""
    return (current_relais().config.get("platform_name") or "").strip() or "Relais Santé"


def local(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC; professionals read French time."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(PARIS)


def long_date(moment: dt.datetime) -> str:
    at = local(moment)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year} à {at:%H:%M}"


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} Ko"


def _picture(attachment) -> str | None:
    if not attachment.content_type.startswith("image/") or attachment.size > INLINE_IMAGE_MAX:
        return None
    with current_relais().attachments.open(attachment) as fh:
        return f"data:{attachment.content_type};base64,{base64.b64encode(fh.read()).decode()}"


def build_synthesis(exchange: Exchange, messages: list[Message], account: Account) -> SynthesisDocument:
    lines = []
    acted_for = acted_for_labels(messages)  # « Dr BERNARD », as the thread names the one a delegate wrote for
    for m in messages:
        author = m.author.full_name if m.author_id else ""
        on_behalf = acted_for.get(m.id, "")
        files = [{"name": a.filename, "size": _size(a.size), "picture": _picture(a)}
                 for a in getattr(m, "prefetched_attachments", [])]
        lines.append({"kind": m.kind, "author": author, "on_behalf": on_behalf, "when": long_date(m.created_at),
                      "body": m.body, "files": files})
    period = ""
    if messages:
        first, last = local(messages[0].created_at), local(messages[-1].created_at)
        period = (f"le {first:%d/%m/%Y}" if first.date() == last.date()
                  else f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}")
    html = _templates.get_template("conversation/synthesis.html").render(
        subject=exchange.subject, patient=patient_summary(exchange.patient) if exchange.patient_id else None,
        members=members_of([exchange.id]).get(exchange.id, []), period=period, messages=lines,
        generated_by=account.full_name, generated_at=long_date(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)),
        platform=platform_name())
    stamp = local(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    return SynthesisDocument(title=f"Synthèse — {exchange.subject}", html=html,
                             filename=f"Synthèse {exchange.subject[:80]} {stamp:%Y-%m-%d %Hh%M}.pdf")
