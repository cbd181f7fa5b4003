"""The blueprint every route module of the JSON API registers on (its own module: no import circle)."""
from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")
