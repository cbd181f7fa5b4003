"""TLS contexts of the mail transport: the client side (relay, IMAP: mutual TLS) and the receiver's."""
from __future__ import annotations

import ipaddress
import ssl
from typing import Any, Mapping


class MailConfigError(Exception):
    """A mail setting cannot be used (a certificate file missing...): a permanent, deployer-side problem."""


def client_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    """Checks the server against ``mail_ca_file`` (or the system's CAs), host name included, and presents
    the platform's client certificate when one is configured."""
    try:
        context = ssl.create_default_context(cafile=config["mail_ca_file"] or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if config["mail_client_cert"]:
            context.load_cert_chain(config["mail_client_cert"], config["mail_client_key"] or None)
    except (OSError, ssl.SSLError) as exc:
        raise MailConfigError(f"mail client TLS settings unusable: {type(exc).__name__}: {exc}") from exc
    return context


def receiver_context(config: Mapping[str, Any]) -> ssl.SSLContext | None:
    """None without a server certificate; with ``mail_receiver_client_ca``, client certificates are required."""
    if not config["mail_receiver_cert"]:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config["mail_receiver_cert"], config["mail_receiver_key"] or None)
    if config["mail_receiver_client_ca"]:
        context.load_verify_locations(cafile=config["mail_receiver_client_ca"])
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def transport_warnings(config: Mapping[str, Any]) -> list[str]:
    """What in the mail settings falls short of MSSanté's mutual TLS, said at start-up (the settings stay
    usable: the demo relays through its own receiver on the loopback, without TLS)."""
    warnings = []
    relay = f"{config['mail_relay_host']}:{config['mail_relay_port']}"
    if config["mail_relay_starttls"] and not config["mail_client_cert"]:
        warnings.append(f"mail relay {relay}: STARTTLS is on but mail_client_cert is empty, so mail goes out "
                        "without mutual TLS (MSSanté operators require a client certificate)")
    elif not config["mail_relay_starttls"] and not _loopback(config["mail_relay_host"]):
        warnings.append(f"mail relay {relay} is not on this machine and mail_relay_starttls is off: "
                        "mail goes out unencrypted")
    if config["mail_inbound"] == "imap" and config["mail_imap_host"]:
        imap = f"{config['mail_imap_host']}:{config['mail_imap_port']}"
        if not config["mail_imap_starttls"] and not _loopback(config["mail_imap_host"]):
            warnings.append(f"IMAP server {imap}: mail_imap_starttls is off, mail is read unencrypted")
        elif config["mail_imap_auth"] == "external" and not config["mail_client_cert"]:
            warnings.append(f"IMAP server {imap}: AUTHENTICATE EXTERNAL needs a client certificate and "
                            "mail_client_cert is empty")
    return warnings
