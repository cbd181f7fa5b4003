"""Encoded subjects and display names never lose the space between words when folded (issue #12, item 9).

Python 3.11's policy.SMTP drops it in some accented subjects ("Noël échographie" -> "Noëléchographie"). Thousands
of generated subjects and names go through the mail builder; an independent decoder (the compat32 parser,
``decode_header`` + ``make_header``) reads them back, and the strings must be exactly the same."""
from __future__ import annotations

import random
from email import message_from_bytes
from email import policy as email_policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses

import pytest

from kernel.mail.compose import MailDraft, build_mail, parse, to_bytes

WORDS = ["Résultats", "d'analyse", "échographie", "cardiaque", "Mme", "Hélène", "DUPONT", "née", "le", "à", "l'hôpital",
         "Saint-Étienne", "compte-rendu", "opératoire", "œdème", "pré-opératoire", "suivi", "et", "ordonnance", "n°",
         "12", "Zoé", "Ça", "va", "très", "bien", "—", "«", "»", "été", "Noël", "RDV", "14h30", "J+3", "(urgent)",
         "Ŝ", "漢字", "😀", "a", "I", "x" * 40, "é" * 30]


def _decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def _cases(count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))[:250]
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
        yield subject.strip(), name.strip()


def test_the_standard_policy_does_lose_spaces_here():
    """The bug this guards against, shown on the standard library itself (so the test below means something)."""
    lost = 0
    for subject, _ in _cases(500, seed=7):
        msg = EmailMessage(policy=email_policy.SMTP)
        msg["Subject"] = subject
        msg.set_content("x")
        if _decoded(message_from_bytes(msg.as_bytes())["Subject"]) != subject:
            lost += 1
    assert lost > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_thousands_of_accented_subjects_and_names_come_back_exactly(seed):
    for subject, name in _cases(700, seed):
        draft = MailDraft(sender="julie.bernard@a.mssante.fr", sender_name=name,
                          to=["thomas@b.mssante.fr", "cabinet@c.mssante.fr"], cc=["paul@d.mssante.fr"],
                          subject=subject, html="<p>Bonjour</p>")
        raw = to_bytes(build_mail(draft, "id-1@a.mssante.fr"))
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        # 78 characters a line, but for a long display name, kept as one encoded word (kernel/mail/headers.py).
        assert all(len(line) <= 78 or (b"<" in line or line.startswith((b"From:", b"To:", b"Cc:", b" =?")))
                   and len(line) <= 998 for line in head), raw[:400]
        assert raw.isascii()
        independent = message_from_bytes(raw)  # compat32: another parser than the platform's
        assert _decoded(independent["Subject"]) == subject, raw[:600]
        # Addresses first, then each name decoded (a decoded name may hold brackets or parentheses).
        [(sender_name, sender)] = getaddresses([independent["From"]])
        assert (_decoded(sender_name), sender) == (name, "julie.bernard@a.mssante.fr"), raw[:600]
        assert [a for _, a in getaddresses([independent["To"]])] == ["thomas@b.mssante.fr", "cabinet@c.mssante.fr"]
        # And the platform's own reading agrees.
        ours = parse(raw)
        assert str(ours["Subject"]) == subject and ours["From"].addresses[0].display_name == name


def test_ascii_headers_keep_the_standard_folding():
    raw = to_bytes(build_mail(MailDraft(sender="a@a.mssante.fr", sender_name="Julie BERNARD", to=["b@b.mssante.fr"],
                                        subject="Avis " * 30, html="<p>x</p>"), "id@a.mssante.fr"))
    subject = message_from_bytes(raw)["Subject"]
    assert "=?" not in subject and " ".join(subject.split()) == ("Avis " * 30).strip()
    assert b"From: Julie BERNARD <a@a.mssante.fr>\r\n" in raw
