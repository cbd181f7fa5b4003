"""Who may open the administration's pages: signed-out visitors go to the login page, others need a role."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort, redirect, request, url_for

from kernel.auth import current_account
from kernel.models.roles import may_administer, may_manage_accounts


def _guard(allowed: Callable[[Any], bool]) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))
            if not allowed(account):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate


managers_page = _guard(may_administer)        # administrators and directory managers
administrators_page = _guard(may_manage_accounts)
