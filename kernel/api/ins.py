"""INS decoding for the patient-messaging screen: who a matricule describes, before writing to them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request

from ..auth import api_login_required
from ..ins import Ins, InvalidIns
from ..schemas.ins import decoding_payload
from .blueprint import api
from .errors import fail


@api.get("/ins/<ins>")
@api_login_required
def decode_ins(ins: str) -> Any:
    """``?birth_date=AAAA-MM-JJ`` picks the century when the caller knows the birth date."""
    birth_date = None
    if request.args.get("birth_date"):
        try:
            birth_date = dt.date.fromisoformat(request.args["birth_date"])
        except ValueError:
            fail(422, "Saisissez une date valide (AAAA-MM-JJ).", "birth_date")
    try:
        matricule = Ins.parse(ins)
    except InvalidIns as exc:
        fail(422, str(exc), "ins")
    return jsonify(decoding_payload(matricule, birth_date))
