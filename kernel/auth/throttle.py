"""Login throttling: too many failures for one login or one address lock it for a while.

Failures are rows in the database, so the limit holds across every instance of the platform.
"""
from __future__ import annotations

import datetime as dt

from ..db import utcnow
from ..models import LoginAttempt


class LoginThrottled(Exception):
    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.message = (f"Trop de tentatives de connexion. Réessayez dans {minutes} minutes "
                        "ou contactez votre administrateur.")


def check(login: str, remote_addr: str, max_failures: int, minutes: int) -> None:
    since = utcnow() - dt.timedelta(minutes=minutes)
    recent = LoginAttempt.select().where(LoginAttempt.at > since)
    by_login = recent.where(LoginAttempt.login == login.lower()).count()
    # An address gets more room: several professionals may share a hospital's outgoing address.
    by_address = recent.where(LoginAttempt.remote_addr == remote_addr).count()
    if by_login >= max_failures or by_address >= max_failures * 4:
        raise LoginThrottled(minutes)


def record_failure(login: str, remote_addr: str) -> None:
    LoginAttempt.create(login=login.lower()[:150], remote_addr=remote_addr[:64])


def clear(login: str) -> None:
    LoginAttempt.delete().where(LoginAttempt.login == login.lower()).execute()
