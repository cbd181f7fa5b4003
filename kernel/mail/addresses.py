"""MSSanté addresses: syntax, domains the platform is the operator for, and the mailbox behind an address."""
from __future__ import annotations

import re

import peewee as pw

from ..models import Identity, MailAddress
from ..relais import current_relais

# A dot-atom local part and a domain of LDH labels: what an MSSanté address looks like, no quoting,
# no IP literal, no comment (RFC 5321 allows more; no operator hands such addresses out).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")


def normalize(address: str) -> str:
    return (address or "").strip().lower()


def is_valid(address: str) -> bool:
    """Syntactically an address we can put in RCPT TO (length limits of RFC 5321 included)."""
    if not isinstance(address, str) or len(address) > 254:
        return False
    local, _, domain = address.rpartition("@")
    return bool(_ADDRESS.match(address)) and len(local) <= 64 and len(domain) <= 253


def domain_of(address: str) -> str:
    return normalize(address).rpartition("@")[2]


def configured_domains() -> list[str]:
    return [normalize(d) for d in current_relais().config["mail_domains"] if d.strip()]


def is_our_domain(domain: str) -> bool:
    """A domain the platform is the operator for: configured, or (none configured) held by one of its identities."""
    domain = normalize(domain)
    configured = configured_domains()
    if configured:
        return domain in configured
    return MailAddress.select().where(pw.fn.LOWER(MailAddress.address).endswith(f"@{domain}")).exists()


def is_local(address: str) -> bool:
    """Delivered by this platform itself (own operator mode), without going through the relay."""
    return current_relais().config["mail_inbound"] == "smtp" and is_our_domain(domain_of(address))


def mailbox_identity(address: str) -> Identity | None:
    """The identity (professional or structure) holding ``address`` on this platform."""
    return (Identity.select().join(MailAddress)
            .where(pw.fn.LOWER(MailAddress.address) == normalize(address)).first())


def held_addresses(addresses: list[str]) -> set[str]:
    """Those of ``addresses`` (normalised) that a platform identity holds."""
    wanted = sorted({normalize(a) for a in addresses})
    if not wanted:
        return set()
    return {a.lower() for (a,) in MailAddress.select(MailAddress.address)
            .where(pw.fn.LOWER(MailAddress.address).in_(wanted)).tuples()}


def addresses_of(identity_id: int) -> list[str]:
    """The addresses an identity holds, oldest first (the first is the one it writes from)."""
    return [a for (a,) in MailAddress.select(MailAddress.address).where(MailAddress.identity == identity_id)
            .order_by(MailAddress.id).tuples()]
