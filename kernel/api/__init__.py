"""The public JSON API under /api/v1 (described at /api/openapi.json)."""
from .blueprint import api

from . import errors, channels, exchanges, attachments, directory, patients, ins, me, sessions, integration, drafts, openapi  # noqa: F401  (registers the routes)
from . import consultations  # noqa: F401,E402  (audits the opening of an exchange, app-wide)
from . import admin_accounts, admin_structures  # noqa: F401,E402  (the administration's routes)
from . import admin_audit  # noqa: F401,E402  (the audit trail for administrators)
from . import delegations  # noqa: F401,E402  (« Mes délégations » and the administration's list)
