"""Numbered pages of a long list, as the administration's API answers them: the page's items, how many there are in
all, which page this is and how many pages there are. One shape for every numbered list (accounts, structures,
delegations); the audit log pages differently (no total: counting it would cost more than the page)."""
from __future__ import annotations

from marshmallow import Schema, fields

from . import french as f


def numbered_page(items: str, item: type[Schema], base: type[Schema] = f.FrenchSchema) -> type[Schema]:
    """The base of a page schema: the items under the key `items`, then total, page and pages (the API answers
    in this order)."""
    return type(f"_{item.__name__}Page", (base,), {
        items: fields.List(fields.Nested(item)),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "pages": fields.Integer(),
    })
