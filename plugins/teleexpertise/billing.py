"""Billing (TE-8): the acts a finalised téléexpertise yields (RQD for the requester, TE2 for the expert side)
and the yearly limit of téléexpertises per patient and expert."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from kernel import current_relais
from kernel.models import Account, DirectoryEntry, Identity

from .finalisation_models import ACT_LABELS, RQD, TE2, Act
from .models import Request

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_YEARLY_LIMIT = 4  # STANDARDS.md: at most 4 per patient per year (with one expert), configurable
BILLING_NUMBER = re.compile(r"^[0-9]{9}$")


def yearly_limit() -> int:
    """The ``yearly_limit`` plugin setting (environment values are strings)."""
    raw = current_relais().plugin_settings("teleexpertise").get("yearly_limit", DEFAULT_YEARLY_LIMIT)
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return DEFAULT_YEARLY_LIMIT


def paris_today() -> dt.date:
    return dt.datetime.now(PARIS).date()


def acts_this_year(patient_id: int, expert_identity_id: int, year: int | None = None,
                   excluding_request: int | None = None) -> int:
    """Téléexpertises (TE2 acts) of this patient with this expert in the calendar year."""
    year = year or paris_today().year
    query = (Act.select().join(Request, on=(Act.request == Request.id))
             .where((Act.code == TE2) & (Request.patient == patient_id)
                    & (Request.expert_identity == expert_identity_id)
                    & (Act.act_date >= dt.date(year, 1, 1)) & (Act.act_date <= dt.date(year, 12, 31))))
    if excluding_request is not None:
        query = query.where(Request.id != excluding_request)
    return query.count()


def limit_warning(patient_id: int, expert_identity_id: int, excluding_request: int | None = None) -> str:
    """A French warning when the patient reached the yearly limit with this expert, else ""."""
    done = acts_this_year(patient_id, expert_identity_id, excluding_request=excluding_request)
    limit = yearly_limit()
    if done < limit:
        return ""
    return (f"Ce patient a déjà bénéficié de {done} téléexpertise{'s' if done > 1 else ''} avec cet expert "
            f"en {paris_today().year} (limite de {limit} par an) : une nouvelle téléexpertise ne pourra pas "
            "être facturée à l'Assurance Maladie.")


def structure_of(identity: Identity) -> str:
    """Where a professional works, as the directory knows it (organisation, service)."""
    entry = (DirectoryEntry.select(DirectoryEntry.organisation, DirectoryEntry.service)
             .where(DirectoryEntry.identity == identity.id).order_by(DirectoryEntry.id).first())
    if entry is None:
        return ""
    return " — ".join(part for part in (entry.organisation, entry.service) if part)


def person_of(identity: Identity) -> Account | None:
    return Account.get_or_none(Account.identity == identity.id)


def requester_professional(request: Request) -> Account:
    """Whom RQD is billed to: the requester identity when it is a person (the billing number typed on the screen
    is theirs, even when a delegate typed it), else (a structure asked) the professional who asked."""
    requester = request.requester
    if not requester.is_structure:
        return person_of(requester) or request.requested_by
    return request.requested_by


def expert_professional(request: Request, finaliser: Account) -> Account:
    """Whom TE2 is billed to: the person expert; for an expert structure, the professional who finalised."""
    expert = request.expert_identity
    if not expert.is_structure:
        return person_of(expert) or finaliser
    return finaliser


def planned_acts(request: Request, finaliser: Account, billing_number: str, act_date: dt.date) -> list[Act]:
    """The two acts of a request finalised by ``finaliser`` (not saved): RQD for the requester, TE2 for the
    expert, each naming the structure they acted for (the PDF names the same professionals)."""
    requester, expert = request.requester, request.expert_identity
    asker, answerer = requester_professional(request), expert_professional(request, finaliser)
    rqd = Act(request=request, code=RQD, professional=asker.identity_id, account=asker, rpps=asker.rpps or "",
              billing_number=request.billing_number or "",
              structure=requester.display_name if requester.is_structure else structure_of(asker.identity),
              patient_nir=request.nir, act_date=act_date)
    te2 = Act(request=request, code=TE2, professional=answerer.identity_id, account=answerer,
              rpps=answerer.rpps or "", billing_number=billing_number or "",
              structure=expert.display_name if expert.is_structure else structure_of(answerer.identity),
              patient_nir=request.nir, act_date=act_date)
    return [rqd, te2]


def act_label(code: str) -> str:
    return ACT_LABELS.get(code, code)
