"""Every deployer-facing setting of the kernel, its type, default and meaning (docs/configuration.md mirrors this)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type  # str, int, float, bool or list
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "RELAIS_" + self.name.upper()


def _d(name: str, kind: type, default: Any, help: str) -> Setting:
    return Setting(name, kind, default, help)


SETTINGS: tuple[Setting, ...] = (
    _d("data_dir", str, "./relais-data",
       "Folder for the SQLite database, attachments and the generated secret key."),
    _d("database_url", str, "",
       "peewee database URL. Empty: SQLite file `<data_dir>/relais.db` (WAL, foreign keys on). "
       "Example: `postgresql://user@127.0.0.1:5432/relais`."),
    _d("database_pool_size", int, 32,
       "PostgreSQL: most connections one process keeps open (each gunicorn worker and the node's side process "
       "has its pool). A node holds up to (workers + 1) × this; keep the sum over all nodes under the server's "
       "`max_connections`. A request waits for a free connection rather than fail."),
    _d("secret_key", str, "",
       "Signs session cookies. Empty: a random key is generated once and kept in `<data_dir>/secret_key`."),
    _d("base_url", str, "http://127.0.0.1:8000", "Public URL of the platform, used in links and printed by `relais demo`."),
    _d("platform_name", str, "Relais Santé",
       "The platform's name shown to users: brand, page titles, the \"+\" panel's group of its own channels."),
    _d("host", str, "127.0.0.1", "Address `relais serve` listens on."),
    _d("port", int, 8000, "Port `relais serve` listens on."),
    _d("plugins", list, ["*builtin"],
       "Enabled plugins by entry-point name. `*builtin` stands for every plugin shipped with Relais Santé; "
       "third-party plugins must be named."),
    _d("attachments_dir", str, "",
       "Where attachment files are kept, outside any web root. Empty: `<data_dir>/attachments`."),
    _d("attachment_max_bytes", int, 25 * 1024 * 1024,
       "Largest accepted attachment, in bytes (MSSanté operators reject messages over 25 MB)."),
    _d("upload_quota_bytes", int, 250 * 1024 * 1024,
       "Bytes one account may hold in uploads not yet attached to a message; more is refused (413)."),
    _d("upload_daily_bytes", int, 1024 * 1024 * 1024,
       "Bytes one account may upload in any 24 hours, attached or not; more is refused (413)."),
    _d("wkhtmltopdf", str, "", "Path to the wkhtmltopdf binary. Empty: looked up on PATH."),
    _d("behind_tls", bool, False,
       "Served over HTTPS (directly or through a TLS reverse proxy): Secure cookies, HSTS, `https` websocket origins."),
    _d("proxy_count", int, 0,
       "Reverse proxies in front of the platform whose X-Forwarded-For/-Proto/-Host/-Port are trusted; 0: none."),
    _d("session_hours", int, 12, "Absolute lifetime of a browser session, in hours, however active it is."),
    _d("session_idle_minutes", int, 60, "A browser session unused for this many minutes ends."),
    _d("login_max_failures", int, 5,
       "Failed logins for one login from one address (or one known device) before it is throttled."),
    _d("login_known_device_days", int, 180,
       "How long a browser that signed in successfully stays a known device, spared other sources' failures."),
    _d("login_lockout_minutes", int, 15, "Window and lockout duration of login throttling, in minutes."),
    _d("audit_retention_days", int, 183, "Audit events older than this are purged by a daily job (six months)."),
    _d("jobs_poll_seconds", float, 1.0, "How often the job runner looks for due persisted jobs."),
    _d("demo", bool, False,
       "Set by `relais demo` only: plugins may then start demonstration helpers (the DPI connectors' test software)."),
    _d("jobs_lease_seconds", int, 300,
       "A job claimed longer ago than this by a runner that died is handed to another runner."),
    _d("event_backend", str, "local",
       "Live event fan-out: `local` (one process) or `postgres` (every instance, through LISTEN/NOTIFY)."),
    _d("ws_max_per_account", int, 20,
       "Live sockets (`/ws`) one account may hold open on one instance; one more is closed with code 1013."),
    _d("ws_max_per_node", int, 5000,
       "Live sockets one instance holds open in all; one more is closed with code 1013 (the page retries)."),
    _d("ws_max_message_bytes", int, 4096,
       "Largest frame a client may send on a live socket (clients need not send any); larger: closed with 1009."),
    _d("ws_recheck_seconds", int, 60,
       "How often an open live socket re-checks its session or token on its own (expiry, changes made by "
       "another process without the event bus); revocations through the platform close it at once."),
    _d("log_level", str, "INFO", "Python logging level."),
    # --- MSSanté mail transport (kernel/mail); the defaults make the platform its own operator on loopback.
    _d("mail_domains", list, [],
       "Mail domains the platform is the operator for. Empty: the domains of the addresses its identities hold."),
    _d("mail_inbound", str, "smtp",
       "`smtp`: own operator (built-in receiver, local delivery); `imap`: client of an external operator; `none`."),
    _d("mail_inbound_channel", str, "",
       "Channel received mail is filed under. Empty: the one enabled channel declaring `receives_mail`."),
    _d("mail_receiver_host", str, "127.0.0.1", "Address the built-in SMTP receiver listens on."),
    _d("mail_receiver_port", int, 2525, "Port of the built-in SMTP receiver (0: any free port)."),
    _d("mail_receiver_cert", str, "", "Server certificate (PEM) the receiver offers with STARTTLS. Empty: no TLS."),
    _d("mail_receiver_key", str, "", "Private key (PEM) of `mail_receiver_cert`."),
    _d("mail_receiver_client_ca", str, "",
       "CA file (PEM): when set, the receiver requires STARTTLS and a client certificate signed by it."),
    _d("mail_relay_host", str, "127.0.0.1", "SMTP relay (the MSSanté operator) outgoing mail is handed to."),
    _d("mail_relay_port", int, 2525, "Port of the SMTP relay (587 at an operator)."),
    _d("mail_relay_starttls", bool, False, "Require STARTTLS with the relay (always on at an operator)."),
    _d("mail_client_cert", str, "", "Client certificate (PEM) presented to the relay and the IMAP server (mutual TLS)."),
    _d("mail_client_key", str, "", "Private key (PEM) of `mail_client_cert`."),
    _d("mail_ca_file", str, "", "CA file (PEM) the relay's and IMAP server's certificates are checked against. "
       "Empty: the system's CAs."),
    _d("mail_timeout_seconds", float, 30.0, "Network timeout of one SMTP or IMAP exchange, in seconds."),
    _d("mail_max_attempts", int, 8, "Attempts to hand a message to the relay before it is marked failed."),
    _d("mail_retry_seconds", float, 60.0, "Delay before the first retry; doubled at each attempt (at most 6 hours)."),
    _d("mail_max_bytes", int, 25 * 1024 * 1024, "Largest message sent or received, in bytes (25 MB)."),
    _d("mail_imap_host", str, "", "IMAP server of the external operator (with `mail_inbound = \"imap\"`)."),
    _d("mail_imap_port", int, 143, "Port of the IMAP server."),
    _d("mail_imap_starttls", bool, True, "Require STARTTLS with the IMAP server."),
    _d("mail_imap_auth", str, "external",
       "`external`: AUTHENTICATE EXTERNAL (client certificate) per mailbox; `login`: LOGIN with `mail_imap_password`."),
    _d("mail_imap_password", str, "", "Password for `mail_imap_auth = \"login\"` (test servers)."),
    _d("mail_imap_mailboxes", list, [], "Mailboxes (addresses) polled over IMAP. Empty: every address of the platform."),
    _d("mail_imap_folder", str, "INBOX", "IMAP folder polled in each mailbox."),
    # --- Sign-in with Pro Santé Connect (kernel/auth/psc.py; docs/security.md, « Pro Santé Connect »).
    _d("psc_enabled", bool, False, "Offer sign-in with Pro Santé Connect (e-CPS) on the login page."),
    _d("psc_issuer", str, "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
       "Pro Santé Connect's issuer; its metadata is read from `<issuer>/.well-known/openid-configuration`. "
       "Sandbox: `https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet`."),
    _d("psc_client_id", str, "", "Client id the ANS gave the platform when it was registered with Pro Santé Connect."),
    _d("psc_client_secret", str, "",
       "Client secret of `psc_client_id`. Empty: read from the file `<data_dir>/psc_client_secret` (mode 600)."),
    _d("psc_create_accounts", str, "directory",
       "First sign-in of an RPPS without an account: `directory` creates it from the national directory entry "
       "(refused when there is none), `claims` also creates it from Pro Santé Connect's claims when there is "
       "none, `never` refuses: accounts are made by administrators (with the RPPS) beforehand."),
    _d("password_login", bool, True,
       "Local passwords allowed. False: sign-in only through Pro Santé Connect (the password form, `relais user "
       "password` refuse); API tokens keep working."),
    _d("password_reset_hours", int, 24,
       "How long a one-time password link made by an administrator stays valid, in hours."),
    _d("notification_preview", bool, False,
       "Desktop notifications of new messages show the message's first words. Off: only who wrote "
       "(« Nouveau message de Dr X »), so that a locked or shared screen shows no health data."),
    # --- Serving (kernel/serving/, docs/configuration.md « Serving »).
    _d("workers", int, 1,
       "gunicorn worker processes of `relais serve` (each a gevent event loop holding thousands of sockets); "
       "`--workers` overrides it."),
    _d("graceful_timeout", float, 20.0,
       "On SIGTERM, seconds a node has to finish its requests and jobs after telling its sockets to "
       "reconnect elsewhere (close code 1012); then what is left is cut."),
    _d("access_log", bool, False,
       "Write one line per HTTP request (logger `relais.access`, at INFO: so only with `log_level = \"INFO\"`)."),
    _d("metrics_allowed_from", list, ["127.0.0.1/32", "::1/128"],
       "Networks allowed to read `/metrics` (Prometheus); others get 404. Behind a proxy, the address is the "
       "one `proxy_count` trusts."),
    # --- Retention (kernel/services/retention.py).
    _d("retention_days", dict, {"default": 3650},
       "Days an exchange is kept after its last activity, per channel (`conversation = 365`), `default` for the "
       "others; 0 keeps for ever. A daily job purges expired exchanges with their messages and attachments."),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

Parser = Callable[[str], Any]


def parse_env_value(setting: Setting, raw: str) -> Any:
    """Turn an environment variable's text into the setting's type."""
    if setting.kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on", "oui"}
    if setting.kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if setting.kind is dict:  # "key=value,key=value": a table of whole numbers (retention_days)
        pairs = [part.partition("=") for part in raw.split(",") if part.strip()]
        if any(not sep or not key.strip() for key, sep, _ in pairs):
            raise ValueError(raw)
        return {key.strip(): int(value) for key, _, value in pairs}
    return setting.kind(raw)
