"""Pages of the web shell. They are thin: the pages talk to the JSON API like any other client."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

shell = Blueprint("shell", __name__)


@shell.get("/")
def inbox() -> Any:
    return render_template("inbox.html")
