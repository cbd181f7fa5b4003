"""A real OpenID provider configured like Pro Santé Connect (tests/support/oidc_provider/provider.js, node
``oidc-provider``), run on a free loopback port for the tests that sign in through it.

``psc_provider`` (fixture, one per test session): ``.issuer``, ``.settings()`` (the app's psc_* settings) and
``.add_professional(rpps, ...)`` (a professional who can sign in there, with login ``8<rpps>`` and a code).
"""
from __future__ import annotations

import json
import secrets
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

FOLDER = Path(__file__).resolve().parent / "oidc_provider"
CODE = "1234-e-cps"  # every test professional's code at the provider


class PscProvider:
    def __init__(self, work: Path) -> None:
        self.client_id = "relais-sante-test"
        self.client_secret = secrets.token_urlsafe(24)
        self.accounts_file = work / "psc_accounts.json"
        self.accounts: dict[str, Any] = {}
        self.config_file = work / "psc_provider.json"
        self.process: subprocess.Popen | None = None
        self.issuer = ""

    def start(self) -> "PscProvider":
        node = shutil.which("node")
        if node is None or not (FOLDER / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("the test OpenID provider needs node and `npm ci` in tests/support/oidc_provider "
                        "(scripts/quickstart test does both)")
        self._write_accounts()
        self.config_file.write_text(json.dumps({"client_id": self.client_id, "client_secret": self.client_secret,
                                                "accounts_file": str(self.accounts_file)}))
        self.process = subprocess.Popen([node, "provider.js", str(self.config_file)], cwd=FOLDER,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        line = self.process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        if not line:
            self.stop()
            pytest.fail("the test OpenID provider did not start (node tests/support/oidc_provider/provider.js)")
        self.issuer = json.loads(line)["issuer"]
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def settings(self, **more: Any) -> dict[str, Any]:
        """The app's settings for signing in through this provider."""
        return {"psc_enabled": True, "psc_issuer": self.issuer, "psc_client_id": self.client_id,
                "psc_client_secret": self.client_secret, **more}

    def add_professional(self, rpps: str, given_name: str = "Anne", family_name: str = "MARTIN",
                         profession_code: str = "10", national_id: str | None = None, acr: str = "eidas1") -> str:
        """A professional who can sign in at the provider; returns their login there (« 8 » + RPPS)."""
        national_id = national_id or f"8{rpps}"
        self.accounts[national_id] = {"password": CODE, "acr": acr, "claims": {
            "SubjectNameID": national_id, "given_name": given_name, "family_name": family_name,
            "preferred_username": national_id,
            "SubjectRefPro": {"codeCivilite": "", "exercices": [{
                "codeProfession": profession_code, "codeCategorieProfession": "C", "codeCiviliteDexercice": "DR",
                "nomDexercice": family_name, "prenomDexercice": given_name, "activities": []}]}}}
        self._write_accounts()
        return national_id

    def _write_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps(self.accounts))


@pytest.fixture(scope="session")
def psc_provider(tmp_path_factory) -> Iterator[PscProvider]:
    provider = PscProvider(tmp_path_factory.mktemp("psc")).start()
    yield provider
    provider.stop()
