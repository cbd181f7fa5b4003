"""« Mes délégations » (a professional's own: who may act for them, for whom they may act) and the
administration's list of every delegation. Thin: the profile page is drawn by js/delegations.js from
/api/v1/delegations; the administration's list is drawn here from the kernel's service, its withdrawals sent
by js/delegations_admin.js to the API, which checks and audits them."""
from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from kernel.auth import current_account
from kernel.models import Account, Identity
from kernel.schemas.delegations import DelegationListQuerySchema
from kernel.services import delegations as service

from .admin.access import administrators_page

delegation_pages = Blueprint("delegations", __name__)
PAGE_SIZE = 50


@delegation_pages.get("/delegations")
def mine() -> Any:
    account = current_account()
    if account is None:
        return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))
    return render_template("delegations.html", page="delegations", scopes=service.SCOPES,
                           own_identity=account.identity_id)


@delegation_pages.get("/admin/delegations")
@administrators_page
def every() -> Any:
    try:
        query = DelegationListQuerySchema().load(request.args.to_dict())
    except ValidationError:  # a hand-edited address: the first page of everything
        query = DelegationListQuerySchema().load({})
    page = query["page"]
    found = service.search(person=query["person"], structure=query["structure"], q=query["q"],
                           include_withdrawn=query["withdrawn"], limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = {"total": found.total, "page": page, "pages": max(1, math.ceil(found.total / PAGE_SIZE))}
    person = Account.get_or_none(Account.id == query["person"]) if query["person"] else None
    structure = Identity.get_or_none(Identity.id == query["structure"]) if query["structure"] else None
    # The pager keeps the filters; empty ones stay out of the addresses.
    kept = {k: v for k, v in query.items() if k != "page" and v not in (None, "", False)}
    return render_template("delegations_admin.html", page="admin", section="delegations", query=kept,
                           found=pages, rows=[service.describe(d) for d in found.delegations],
                           person=person, structure=structure, withdrawn=query["withdrawn"], q=query["q"])
