"""CONV-4: the conversations one already has with the chosen participants and/or patient."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from kernel import api_login_required, current_account, members_of, visible_exchanges
from kernel.models import Exchange, Membership
from kernel.schemas import plain_number

blueprint = Blueprint("conversation", __name__, url_prefix="/conversation")
SHOWN = 5


def _ids(raw: str | None) -> list[int] | None:
    if not raw:
        return []
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    # Row ids: ASCII digits no larger than a 64-bit column holds (the database driver would fail).
    ids = [plain_number(p) for p in parts]
    return None if None in ids else ids


NAMED = 3  # beyond this, "et N autres": the line stays one line


def _with(names: list[str]) -> str:
    """"Avec Bruno CELLIER, Chloé TEAU et 2 autres": who else is in it, by name (initials say nothing to a reader)."""
    if not names:
        return "Vous seul"
    shown, rest = names[:NAMED], len(names) - NAMED
    if rest > 0:
        return f"Avec {', '.join(shown)} et {rest} autre{'s' if rest > 1 else ''}"
    return f"Avec {' et '.join([', '.join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)}"


def _title(count: int, members: bool, patient: bool) -> str:
    noun = "conversation existante" if count == 1 else "conversations existantes"
    about = " avec ces participants" if members else ""
    about += " au sujet de ce patient" if patient else ""
    return f"Vous avez {count} {noun}{about}"


@blueprint.get("/existantes")
@api_login_required
def existing() -> Any:
    account = current_account()
    members = _ids(request.args.get("members"))
    patient = _ids(request.args.get("patient"))
    if members is None or patient is None or len(patient) > 1:
        return jsonify(errors={"_schema": ["Participants ou patient invalides."]}), 400
    others = [m for m in members if m != account.identity_id]
    if not others and not patient:
        return jsonify(title="", items=[], count=0)
    query = Exchange.select().where((Exchange.channel == "conversation")
                                    & Exchange.id.in_(visible_exchanges(account.id)))
    for identity_id in others:
        query = query.where(Exchange.id.in_(
            Membership.select(Membership.exchange).where(Membership.identity == identity_id)))
    if patient:
        query = query.where(Exchange.patient == patient[0])
    count = query.count()
    if not count:
        return jsonify(title="", items=[], count=0)
    rows = list(query.order_by(Exchange.last_message_at.desc()).limit(SHOWN))
    people = members_of([e.id for e in rows])
    items = [{
        "label": e.subject,
        "detail": _with([m["display_name"] for m in people.get(e.id, []) if m["id"] != account.identity_id]),
        "date": e.last_message_at,
        "url": f"/echanges/{e.id}",
    } for e in rows]
    return jsonify(title=_title(count, bool(others), bool(patient)), items=items, count=count)
