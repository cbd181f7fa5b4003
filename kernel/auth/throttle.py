"""Login throttling that counts every attempt, even parallel ones, and cannot be turned against a user.

- An attempt is written *before* its password is checked, then counted: of N attempts racing each other,
  the k-th to count sees at least k-1 others, so no more than the limit are ever checked per window.
  A right password deletes its row (and the login's failures); a throttled attempt deletes its own.
- Where an attempt comes from decides what it is judged by. A known device of the account
  (kernel/auth/devices.py) counts only its own failures: guesses from elsewhere never lock it out.
  Any other source counts the failures for this login from its address, and, as a net against
  guessing from many addresses, those for this login from every unknown source (four times the limit).
- An address that fails against many *real* accounts (password spraying) is throttled for every login
  but the known devices'. Failures for logins that do not exist count only against that same login
  from that address: spraying made-up logins cannot block real professionals.

Rows live in the database, so the limits hold across every instance of the platform.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from ..db import utcnow
from ..models import LoginAttempt

A = LoginAttempt
# Unknown sources together, and an address against real accounts, get this many times the limit.
_WIDE = 4


class LoginThrottled(Exception):
    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.message = (f"Trop de tentatives de connexion. Réessayez dans {minutes} minutes "
                        "ou contactez votre administrateur.")


@dataclass(frozen=True)
class Attempt:
    login: str
    remote_addr: str
    device: str | None  # set only when the browser is a known device of this very account
    real_account: bool


def _count(condition: pw.Expression) -> pw.Expression:
    return pw.fn.COALESCE(pw.fn.SUM(pw.Case(None, [(condition, 1)], 0)), 0)


def begin(attempt: Attempt, max_failures: int, minutes: int) -> int:
    """Record the attempt, then count what came before it; returns its row id for ``succeeded``.

    :raises LoginThrottled: too many failures from this source; nothing stays recorded.
    """
    login = attempt.login.lower()[:150]
    row_id = A.insert(login=login, remote_addr=attempt.remote_addr[:64], device=attempt.device,
                      real_account=attempt.real_account).execute()
    unknown_source = A.device.is_null()
    same_login = A.login == login
    counts = (A.select(_count(same_login & (A.device == attempt.device)) if attempt.device else pw.Value(0),
                       _count(same_login & unknown_source & (A.remote_addr == attempt.remote_addr)),
                       _count(same_login & unknown_source),
                       _count(unknown_source & A.real_account & (A.remote_addr == attempt.remote_addr)))
              .where((A.at > utcnow() - dt.timedelta(minutes=minutes)) & (A.id != row_id))
              .tuples().get())
    by_device, by_address, by_login, spray = (int(n or 0) for n in counts)
    if attempt.device:
        throttled = by_device >= max_failures
    else:
        throttled = (by_address >= max_failures or by_login >= max_failures * _WIDE
                     or spray >= max_failures * _WIDE)
    if throttled:
        A.delete().where(A.id == row_id).execute()
        raise LoginThrottled(minutes)
    return row_id


def succeeded(row_id: int, login: str) -> None:
    """The password was right: the attempt and the login's earlier failures are forgotten."""
    A.delete().where((A.id == row_id) | (A.login == login.lower()[:150])).execute()
