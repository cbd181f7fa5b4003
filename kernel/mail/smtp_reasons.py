"""A refusal of a receiving mail server said in French: what it means for the sender, the SMTP reply kept as detail.

Enhanced status codes (RFC 3463, "5.1.1" at the start of the reply text) say the most; the basic reply code
(RFC 5321) is the fallback. A doctor reads the sentence; the operator's helpdesk reads the details.
"""
from __future__ import annotations

import re

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")

# Most specific first: "class.subject.detail", then "class.subject", keyed without the class digit
# (a 4.x.x is the temporary form of the same cause).
_BY_ENHANCED = {
    "1.1": "l'adresse du destinataire n'existe pas chez son opérateur de messagerie (vérifiez-la dans l'annuaire)",
    "1.2": "le domaine de l'adresse du destinataire n'existe pas ou ne reçoit pas de messages",
    "1.3": "l'adresse du destinataire n'est pas valide",
    "1.6": "le destinataire a changé d'adresse",
    "1": "l'adresse du destinataire a été refusée par son opérateur de messagerie",
    "2.1": "la boîte du destinataire est désactivée",
    "2.2": "la boîte du destinataire est pleine",
    "2.3": "le message est trop volumineux pour la boîte du destinataire",
    "2": "la boîte du destinataire ne peut pas recevoir de message",
    "3.4": "le message est trop volumineux pour le serveur destinataire",
    "3": "le serveur destinataire ne peut pas recevoir de message",
    "4": "le serveur destinataire est injoignable ou l'acheminement a échoué",
    "5": "le serveur destinataire n'a pas compris l'envoi",
    "6": "le format du message a été refusé par le serveur destinataire",
    "7": "le serveur destinataire a refusé le message pour une raison de sécurité "
         "(expéditeur non autorisé ou message jugé non conforme)",
}

_BY_CODE = {
    421: "le serveur destinataire est momentanément indisponible",
    450: "la boîte du destinataire est momentanément indisponible",
    451: "le serveur destinataire a rencontré une erreur passagère",
    452: "le serveur destinataire manque momentanément de place",
    550: "la boîte du destinataire est indisponible ou l'adresse n'existe pas",
    551: "le destinataire n'est pas hébergé par ce serveur",
    552: "le message dépasse la place dont dispose le destinataire",
    553: "l'adresse du destinataire a été refusée",
    554: "le serveur destinataire a refusé le message",
}


def explain(code: int, text: str = "") -> str:
    """« La boîte du destinataire est pleine. Détails : 552 5.2.2 Mailbox full » (no bare code alone)."""
    cause = _cause(code, text or "")
    details = " ".join(str(part) for part in (code or "", (text or "").strip()) if part)
    sentence = cause[:1].upper() + cause[1:] + "."
    return f"{sentence} Détails : {details}" if details else sentence


def _cause(code: int, text: str) -> str:
    match = _ENHANCED.match(text)
    if match:
        _, subject, detail = match.groups()
        found = _BY_ENHANCED.get(f"{subject}.{detail}") or _BY_ENHANCED.get(subject)
        if found:
            return found
    if code in _BY_CODE:
        return _BY_CODE[code]
    if 400 <= (code or 0) < 500:
        return "le serveur destinataire a refusé le message pour le moment"
    return "le serveur destinataire a refusé le message"
