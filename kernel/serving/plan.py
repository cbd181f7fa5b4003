"""What ``relais serve`` hands to the processes it becomes: the listening socket's descriptor, the worker count,
the configuration overrides and the lines to print once up. Carried in one environment variable, so that the
arbiter (after exec), its workers (forked) and the side process (spawned) all read the same."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

ENV = "SERVING_RELAIS_PLAN"  # not RELAIS_*: those are settings, and an unknown one is warned about
# The side process's end of the job wake-up channel (kernel/serving/wake.py), a descriptor number.
WAKE_FD_ENV = "SERVING_RELAIS_WAKE_FD"
# The side process's end of the live events channel to the worker (kernel/serving/relay.py), on the local bus only.
RELAY_FD_ENV = "SERVING_RELAIS_RELAY_FD"


@dataclass
class Plan:
    fd: int  # the listening socket, bound by the command (so binding errors are its own, in French)
    url: str
    workers: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)  # given to effective_config in every process
    announce: list[str] = field(default_factory=list)  # printed by the arbiter once it listens

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> "Plan":
        return cls(**json.loads(os.environ[ENV]))
