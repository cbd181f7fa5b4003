"""Signing in through the test Pro Santé Connect provider with ``requests``, as a browser following redirects
would: the app on a live server (``PscSite``), the national directory, the provider's forms."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html
import requests

from kernel.demo_directory import HEADER
from support.psc_provider import CODE

class PscSite:
    """A running app signing in through the test provider; ``url`` for requests, ``app`` for data."""

    def __init__(self, app: Any, url: str, folder: Path) -> None:
        self.app, self.url, self.folder = app, url, folder

    def directory(self, rpps: str, first: str, last: str, addresses: tuple[str, ...] = (),
                  profession: str = "Médecin") -> None:
        """The national directory lists this professional (each address a personal mailbox)."""
        from kernel.directory.importer import import_source
        from kernel.directory.reader import Source

        rows = [national_row(address, rpps, first, last, profession) for address in addresses]
        path = self.folder / "Extraction_Correspondance_MSSante_psc.txt"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        with self.app.app_context():
            outcome = import_source(Source(path))
        assert not getattr(outcome, "rejected", 0), outcome


def national_row(address: str, rpps: str, first: str, last: str, profession: str) -> str:
    """One line of the national MSSanté extraction (31 columns): a personal mailbox of an RPPS professional."""
    return "|".join(["PER", address, "8", rpps, f"8{rpps}", "1", "740000001", "", "DR", last.upper(), first, "C",
                     "Civil", "10", profession, "", "", "O", "CABINET DU LAC", "", "", "", "12", "", "RUE",
                     "DES LILAS", "", "74000 ANNECY", "74000", "74", "99100"])


def form_of(response: requests.Response) -> tuple[str, dict[str, str]]:
    """The page's first form: its absolute action and its fields' values."""
    page = lxml.html.fromstring(response.text, base_url=response.url)
    page.make_links_absolute(response.url)
    form = page.forms[0]
    return form.action, dict(form.form_values())


def error_banner(response: requests.Response) -> str:
    """The login page's error banner, in one line."""
    node = lxml.html.fromstring(response.text).get_element_by_id("erreur-connexion", None)
    return re.sub(r"\s+", " ", node.text_content()).strip() if node is not None else ""


def sign_in_at_provider(browser: requests.Session, site: PscSite, login: str, code: str = CODE,
                        next_path: str = "") -> requests.Response:
    """Through the provider's login and consent forms, as a browser following redirects would."""
    start = browser.get(site.url + "/login/psc" + (f"?next={next_path}" if next_path else ""))
    assert "Connexion avec votre e-CPS" in start.text, start.text[:500]
    action, fields = form_of(start)
    answer = browser.post(action, data={**fields, "login": login, "password": code})
    if "Autorisation" in answer.text:  # first time for this client: the consent form
        action, fields = form_of(answer)
        answer = browser.post(action, data=fields)
    return answer
