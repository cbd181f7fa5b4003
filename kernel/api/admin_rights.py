"""Who may call the administration's API: administrators everywhere, directory managers where the rule says."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from ..auth import api_login_required, current_account
from ..models.roles import may_administer, may_manage_accounts
from .errors import fail

ADMINS_ONLY = "Réservé aux administrateurs de la plateforme."
MANAGERS_ONLY = "Réservé aux administrateurs et aux gestionnaires de l'annuaire."


def _guard(allowed: Callable[[Any], bool], message: str) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not allowed(current_account()):
                fail(403, message)
            return view(*args, **kwargs)
        return api_login_required(wrapper)
    return decorate


# Roles, passwords, deactivation: administrators. Accounts' details and structures: directory managers too.
administrators = _guard(may_manage_accounts, ADMINS_ONLY)
managers = _guard(may_administer, MANAGERS_ONLY)
