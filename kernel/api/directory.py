"""GET /api/v1/directory: the directory search every send screen's picker calls.

Two fields ("q": Nom, spécialité, service; "where": Ville, département, établissement), results
grouped PROFESSIONNELS / SERVICES and paged per group; see kernel/directory/search.py for matching
and ranking, and kernel/schemas/directory.py for the exact payloads. Like every endpoint, a field
value the schema refuses is a 422 with the French reason under that field; 400 is for a request that
cannot be read at all (here: a parameter given twice, which would otherwise be silently dropped).
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import api_login_required
from ..directory.search import MAX_LIMIT, DirectoryQuery, search
from ..schemas.directory import DirectoryQuerySchema
from ..services.sending import flatten_errors
from .blueprint import api
from .errors import ApiError, fail


@api.get("/directory")
@api_login_required
def search_directory() -> Any:
    schema = DirectoryQuerySchema()
    for name in schema.fields:
        if len(request.args.getlist(name)) > 1:
            fail(400, f"Requête invalide : le paramètre « {name} » est donné plusieurs fois.", name)
    try:
        args = schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, flatten_errors(exc.messages)) from None
    query = DirectoryQuery(q=args["q"], where=args["where"], kind=args["kind"], group=args["group"] or None,
                           limit=min(args["limit"], MAX_LIMIT), offset=args["offset"])
    return jsonify(search(query))
