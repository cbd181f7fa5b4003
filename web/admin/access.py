"""Who may open the administration's pages: signed-out visitors go to the login page, others need a role."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import redirect, render_template, request, url_for

from kernel.auth import current_account
from kernel.models.roles import may_administer, may_manage_accounts


def _guard(allowed: Callable[[Any], bool], refusal: str) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))
            if not allowed(account):
                # A French page saying why, not the server's English « Forbidden ».
                return render_template("404.html", page="error", title="Accès réservé", message=refusal), 403
            return view(*args, **kwargs)
        return wrapper
    return decorate


managers_page = _guard(may_administer,  # administrators and directory managers
                       "Cette page est réservée aux administrateurs et aux gestionnaires de l’annuaire.")
administrators_page = _guard(may_manage_accounts, "Cette page est réservée aux administrateurs.")
