"""The testing kit for plugin authors.

The fixtures (``relais_app``, ``relais_alice``, ``relais_bob``, ``relais_ws``, ``relais_outbox``...) come
with the pytest plugin ``kernel.testing.pytest_plugin``, loaded automatically once relais-sante is
installed (entry point ``pytest11``). The helpers they use are here for tests of your own; none needs pytest.
See docs/plugins.md, "Testing a plugin".
"""
from .apps import PluginSpec, TestApps
from .factories import PASSWORD, bearer, make_account, make_patient, make_structure
from .live import LiveServer, LiveSocket, SocketClient, connect_socket, next_event
from .outbox import CapturedMail, Outbox, Relayed
from .users import RelaisUser, sign_in

__all__ = ["PluginSpec", "TestApps", "PASSWORD", "bearer", "make_account", "make_patient", "make_structure",
           "LiveServer", "LiveSocket", "SocketClient", "connect_socket", "next_event", "CapturedMail", "Outbox", "Relayed", "RelaisUser", "sign_in"]
