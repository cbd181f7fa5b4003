"""A receiving server's refusal said in French, the SMTP reply kept as a details line (issue #15 item 8)."""
from __future__ import annotations

import pytest

from kernel.mail.smtp_reasons import explain


@pytest.mark.parametrize(("code", "text", "expected"), [
    (550, "5.1.1 No such user", "L'adresse du destinataire n'existe pas chez son opérateur de messagerie "
                                "(vérifiez-la dans l'annuaire). Détails : 550 5.1.1 No such user"),
    (552, "5.2.2 Mailbox full", "La boîte du destinataire est pleine. Détails : 552 5.2.2 Mailbox full"),
    (554, "5.7.1 Relay access denied", "Le serveur destinataire a refusé le message pour une raison de sécurité "
                                       "(expéditeur non autorisé ou message jugé non conforme). "
                                       "Détails : 554 5.7.1 Relay access denied"),
    (552, "Message size exceeds fixed limit", "Le message dépasse la place dont dispose le destinataire. "
                                              "Détails : 552 Message size exceeds fixed limit"),
    (421, "", "Le serveur destinataire est momentanément indisponible. Détails : 421"),
    (599, "weird", "Le serveur destinataire a refusé le message. Détails : 599 weird"),
    (550, "5.9.9 unknown subject", "La boîte du destinataire est indisponible ou l'adresse n'existe pas. "
                                   "Détails : 550 5.9.9 unknown subject"),
])
def test_a_refusal_is_explained_in_french_with_the_code_as_details(code, text, expected):
    assert explain(code, text) == expected


def test_no_sentence_starts_with_a_bare_code():
    for code in (421, 450, 451, 452, 550, 551, 552, 553, 554):
        sentence, _, details = explain(code, "x").partition(" Détails : ")
        assert not sentence[:1].isdigit() and details == f"{code} x"
