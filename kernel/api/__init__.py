"""The public JSON API under /api/v1 (described at /api/openapi.json)."""
from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from . import errors, channels, exchanges, attachments, directory, patients, ins, me, integration, openapi  # noqa: E402,F401
