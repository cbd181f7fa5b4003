"""The compte rendu of a téléexpertise (TE-6): facts gathered from the request, the ticked messages and the
acts, drawn by templates/teleexpertise/report.html and rendered to PDF by the kernel's renderer."""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import peewee as pw
from flask import current_app

from kernel import acted_for_labels, current_relais
from kernel.models import Account, Attachment, Identity, Message, MessageAttachment, Patient

from .billing import act_label, expert_professional, requester_professional, structure_of
from .finalisation_models import Act, Report
from .models import Request

PARIS = ZoneInfo("Europe/Paris")
INLINE_IMAGE_MAX = 4 * 1024 * 1024  # larger photos are listed, not drawn: the PDF must stay mailable
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
SEXES = {"F": "Féminin", "M": "Masculin", "I": "Indéterminé"}
INS_OIDS = {  # STANDARDS.md, INS / NIR
    "1.2.250.1.213.1.4.8": "INS-NIR",
    "1.2.250.1.213.1.4.9": "INS-NIA",
    "1.2.250.1.213.1.4.10": "INS-NIR de test",
    "1.2.250.1.213.1.4.11": "INS-NIR de démonstration",
}


def local(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC; professionals read French time."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(PARIS)


def long_date(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    at = local(moment)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year} à {at:%H:%M}"


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} Ko"


def _picture(attachment: Attachment) -> str | None:
    if not attachment.content_type.startswith("image/") or attachment.size > INLINE_IMAGE_MAX:
        return None
    with current_relais().attachments.open(attachment) as fh:
        return f"data:{attachment.content_type};base64,{base64.b64encode(fh.read()).decode()}"


def selected_messages(request: Request, message_ids: Iterable[int]) -> list[Message]:
    """The ticked messages of the request's thread, in thread order, with their authors and files (4 queries at most)."""
    ids = sorted(set(message_ids))
    if not ids:
        return []
    messages = list(Message.select(Message, Account).join(Account, pw.JOIN.LEFT_OUTER, on=(Message.author == Account.id))
                    .where((Message.exchange == request.exchange_id) & Message.id.in_(ids)).order_by(Message.id))
    files: dict[int, list[Attachment]] = {}
    links = (MessageAttachment.select(MessageAttachment.message, Attachment).join(Attachment)
             .where(MessageAttachment.message.in_(ids)).order_by(MessageAttachment.id))
    for link in links:
        files.setdefault(link.message_id, []).append(link.attachment)
    # « Dr BERNARD », as the thread names the one a delegate wrote for (authors joined above).
    acted_for = acted_for_labels(messages)
    for m in messages:
        m.report_files = files.get(m.id, [])
        m.acted_for = acted_for.get(m.id, "")
    return messages


def _side(role: str, account: Account | None, identity: Identity, billing_number: str) -> dict[str, Any]:
    """One party of the téléexpertise: the professional, and the structure when they acted for one."""
    person_identity = account.identity if account is not None else identity
    structure = identity.display_name if identity.is_structure else structure_of(person_identity)
    return {"role": role, "name": account.full_name if account is not None else identity.display_name,
            "profession": account.profession if account is not None else "",
            "rpps": account.rpps if account is not None else "", "structure": structure,
            "billing_number": billing_number}


def _patient(patient: Patient, nir: str) -> dict[str, Any]:
    last = (patient.used_name or patient.birth_name).upper()
    return {"name": f"{patient.first_name} {last}", "birth_name": patient.birth_name.upper(),
            "used_name": patient.used_name.upper() if patient.used_name else "", "first_names": patient.first_names,
            "birth_date": f"{patient.birth_date:%d/%m/%Y}", "sex": SEXES.get(patient.sex, patient.sex),
            "ins": patient.ins if patient.qualified else "", "ins_oid": patient.ins_oid or "",
            "ins_label": INS_OIDS.get(patient.ins_oid or "", "INS"), "nir": nir}


def _question(request: Request) -> str:
    first = (Message.select(Message.body).where((Message.exchange == request.exchange_id) & (Message.kind != "system"))
             .order_by(Message.id).first())
    return first.body if first else ""


def _answered_at(request: Request, expert_side: set[int]) -> dt.datetime | None:
    """When the expert answered: marked « répondue », else the expert side's first message."""
    if request.answered_at is not None:
        return request.answered_at
    first = (Message.select(Message.created_at).where((Message.exchange == request.exchange_id)
                                                     & Message.acting_as.in_(expert_side) & (Message.kind == "text"))
             .order_by(Message.id).first())
    return first.created_at if first else None


def report_context(request: Request, report: Report, messages: list[Message], acts: list[Act],
                   finaliser: Account, now: dt.datetime) -> dict[str, Any]:
    """Every fact the compte rendu shows, as plain values (the template escapes them)."""
    expert_identity = request.expert_identity
    expert_account = expert_professional(request, finaliser)  # the professionals the acts bill (billing.py)
    expert_side = {expert_identity.id, expert_account.identity_id}
    te2 = next((a for a in acts if a.code == "TE2"), None)
    lines = []
    for m in messages:
        author = m.author.full_name if m.author_id else ""
        on_behalf = m.acted_for  # set by selected_messages
        lines.append({"kind": m.kind, "author": author, "on_behalf": on_behalf, "when": long_date(m.created_at),
                      "body": m.body, "expert": m.acting_as_id in expert_side,
                      "files": [{"name": a.filename, "size": _size(a.size), "picture": _picture(a)}
                                for a in m.report_files]})
    return {
        # The platform as its users know it (setting platform_name), as its pages say it.
        "platform": (current_relais().config.get("platform_name") or "").strip() or "Relais Santé",
        "reference": f"TE-{request.id:06d}", "version": report.version,
        "subject": request.exchange.subject, "generated_at": long_date(now),
        "requester": _side("Requérant", requester_professional(request), request.requester, request.billing_number),
        "expert": _side("Expert requis", expert_account, expert_identity, te2.billing_number if te2 else ""),
        "patient": _patient(request.patient, request.nir),
        "requested_at": long_date(request.requested_at), "answered_at": long_date(_answered_at(request, expert_side)),
        "consent": request.consent, "question": _question(request), "answers": request.answers or [],
        "messages": lines, "conclusion": request.conclusion, "incident": request.incident,
        "acts": [{"code": a.code, "label": act_label(a.code), "professional": _act_person(a),
                  "rpps": a.rpps, "billing_number": a.billing_number, "structure": a.structure,
                  "date": f"{a.act_date:%d/%m/%Y}"} for a in acts],
        "finalised_by": finaliser.full_name, "finalised_at": long_date(request.finalised_at or now),
    }


def _act_person(act: Act) -> str:
    return act.account.full_name if act.account_id else act.professional.display_name


def report_html(context: dict[str, Any]) -> str:
    # The app's own environment (its loader has every plugin's templates/, its autoescaping): no request is
    # needed, the job renders outside one, so the template gets the report's facts only.
    return current_app.jinja_env.get_template("teleexpertise/report.html").render(**context)


def report_pdf(context: dict[str, Any]) -> bytes:
    """The PDF, page numbers stamped by the kernel's renderer ("Page n sur N")."""
    return current_relais().pdf.render(report_html(context), title=f"Compte rendu de téléexpertise {context['reference']}",
                                       page_numbers=True)


def report_filename(request: Request, report: Report, now: dt.datetime) -> str:
    return f"Compte rendu téléexpertise TE-{request.id:06d} v{report.version} {local(now):%Y-%m-%d}.pdf"
