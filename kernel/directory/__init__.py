"""The directory ("annuaire"): national MSSanté extraction import, platform identities, instant search.

Entry points: :func:`sync_identity` (call it when an account, a structure or their addresses change),
``relais import-annuaire`` (kernel/commands/directory.py) and ``GET /api/v1/directory``
(kernel/api/directory.py, searching with :mod:`kernel.directory.search`).
"""
from .sync import sync_all_identities, sync_identity

__all__ = ["sync_identity", "sync_all_identities"]
