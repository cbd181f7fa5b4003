"""Matrix section of the sign-in with Pro Santé Connect (web/views.py: psc_start, psc_return).

The matrix app does not enable Pro Santé Connect: both routes answer 404 to everyone, so a platform that did
not choose it sends nobody to a provider. Enabled, tests/auth/test_psc.py asks them through a real provider:
anyone may start a sign-in (a signed-in visitor goes straight on), and the return opens a session only for
an answer this browser asked for, checked end to end.
"""
from __future__ import annotations

from security.matrix_cells import public

PSC_ROUTES = {
    "shell.psc_start": public(404, auth=("session",), page=True),
    "shell.psc_return": public(404, auth=("session",), page=True),
}
