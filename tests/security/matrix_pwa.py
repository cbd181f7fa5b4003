"""Matrix section of the installable app (web/pwa.py): its manifest, service worker and offline page are the
same for everyone, signed in or not, with a session or a bearer token (nothing of an account's is in them)."""
from __future__ import annotations

from security.matrix_cells import public

# A bearer token is checked wherever it is sent: the deactivated account's token is refused (401) there too.
_PUBLIC = public(200, deactivated={"token": 401, "session": 200})

PWA_ROUTES = {
    "pwa.manifest": _PUBLIC,
    "pwa.service_worker": _PUBLIC,
    "pwa.offline": _PUBLIC,
}
