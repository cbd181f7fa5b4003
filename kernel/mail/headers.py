"""Header folding that never loses the space between words (issue #12, item 9).

Python 3.11's ``policy.SMTP`` folds a long non-ASCII header into several RFC 2047 encoded words, and in some
subjects drops the space that separated two words at a fold (an encoded word ending in a space followed by an
ASCII word, or the reverse): "Noël échographie" arrives as "Noëléchographie". So the headers people read
(subjects) are encoded by the standard library's other RFC 2047 encoder, ``email.header.Header``, which splits on
characters and keeps every space inside an encoded word; a display name is one encoded word. ASCII headers keep
the policy's own folding. Everything else about ``policy.SMTP`` stays (CRLF, 78-character lines).
"""
from __future__ import annotations

from email import policy as email_policy
from email.charset import Charset
from email.header import Header
from email.headerregistry import AddressHeader, HeaderRegistry, UniqueAddressHeader, UniqueUnstructuredHeader
from email.utils import formataddr
from typing import Any

_MAX = 78


def _encoded(name: str, text: str, linesep: str, width: int) -> str:
    """``Name: <encoded words>`` folded at ``width``, every word of ``text`` kept with its spaces."""
    return f"{name}: {Header(text, 'utf-8', maxlinelen=width, header_name=name).encode(linesep=linesep)}{linesep}"


class SafeUnstructured(UniqueUnstructuredHeader):
    """Subject and the like: non-ASCII text folded by ``email.header.Header``."""

    def fold(self, *, policy: Any) -> str:
        text = str(self)
        if text.isascii():
            return super().fold(policy=policy)
        return _encoded(self.name, text, policy.linesep, policy.max_line_length or _MAX)


class _SafeAddresses:
    """From, To, Cc...: one address per line; a display name quoted when it holds specials, and, when not ASCII,
    ONE encoded word.

    One word, not several: between two encoded words the standard says the space is ignored, but Python's own
    address parser keeps it, and a name split inside a word would come back as "DUPON T". A long name makes a
    line longer than 78 characters (allowed up to 998), never a wrong name."""

    def fold(self, *, policy: Any) -> str:
        addresses = [a for group in self.groups for a in group.addresses]
        if not addresses or any(not a.addr_spec.isascii() for a in addresses):
            return super().fold(policy=policy)  # type: ignore[misc]  # groups, internationalised addresses
        width, linesep = policy.max_line_length or _MAX, policy.linesep
        parts = []
        for i, address in enumerate(addresses):
            spec = f"<{address.addr_spec}>"
            if address.display_name and not address.display_name.isascii():
                name = Charset("utf-8").header_encode(address.display_name)
                indent = len(self.name) + 2 if i == 0 else 1
                fits = indent + len(name) + 1 + len(spec) + 1 <= width
                parts.append(f"{name}{' ' if fits else linesep + ' '}{spec}")
            else:
                # Quoted when it holds specials: the policy's own folding can drop those quotes, and a name
                # "Dupont (urgent)" would come back as a comment.
                parts.append(formataddr((address.display_name, address.addr_spec)))
        return f"{self.name}: {(',' + linesep + ' ').join(parts)}{linesep}"


class SafeUniqueAddress(_SafeAddresses, UniqueAddressHeader):
    pass


class SafeAddress(_SafeAddresses, AddressHeader):
    pass


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    registry.map_to_type("subject", SafeUnstructured)
    for name in ("from", "to", "cc", "reply-to", "sender"):
        registry.map_to_type(name, SafeUniqueAddress)
    for name in ("resent-from", "resent-to", "resent-cc"):
        registry.map_to_type(name, SafeAddress)
    return registry


# The policy every mail the platform writes is built and serialised with.
SMTP = email_policy.SMTP.clone(header_factory=_registry())
