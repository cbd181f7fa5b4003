"""A small IMAP4rev1 server for tests: STARTTLS, LOGIN, AUTHENTICATE EXTERNAL, EXAMINE, UID SEARCH/FETCH."""
from __future__ import annotations

import base64
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Store:
    mailboxes: dict[str, list[tuple[int, bytes]]] = field(default_factory=dict)
    uidvalidity: int = 1
    password: str = "secret"
    logins: list[str] = field(default_factory=list)  # who authenticated, and how

    def add(self, mailbox: str, raw: bytes) -> int:
        messages = self.mailboxes.setdefault(mailbox, [])
        uid = (messages[-1][0] if messages else 0) + 1
        messages.append((uid, raw))
        return uid


class _Session(socketserver.StreamRequestHandler):
    server: "_Server"

    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.user: str | None = None
        self.box: str | None = None
        self.send("* OK test IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            if not self.dispatch(tag, command.upper(), args):
                return

    def dispatch(self, tag: str, command: str, args: str) -> bool:
        store = self.server.store
        if command == "CAPABILITY":
            tls = "" if isinstance(self.connection, ssl.SSLSocket) else " STARTTLS"
            self.send(f"* CAPABILITY IMAP4rev1 AUTH=EXTERNAL{tls}")
        elif command == "STARTTLS":
            self.send(f"{tag} OK begin TLS")
            self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
            self.rfile = self.connection.makefile("rb")
            self.wfile = self.connection.makefile("wb")
            return True
        elif command == "LOGIN":
            user, password = [p.strip('"') for p in args.split(" ", 1)]
            if password != store.password:
                self.send(f"{tag} NO bad credentials")
                return True
            self.user = user
            store.logins.append(f"login:{user}")
        elif command == "AUTHENTICATE" and args.upper() == "EXTERNAL":
            self.send("+ ")
            answer = base64.b64decode(self.rfile.readline().strip()).decode()
            peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
            if not peer:
                self.send(f"{tag} NO client certificate required")
                return True
            self.user = answer
            store.logins.append(f"external:{answer}")
        elif command in ("SELECT", "EXAMINE"):
            if self.user is None:
                self.send(f"{tag} NO authenticate first")
                return True
            self.box = self.user
            self.send(f"* {len(store.mailboxes.get(self.box, []))} EXISTS")
            self.send(f"* OK [UIDVALIDITY {store.uidvalidity}] UIDs valid")
        elif command == "UID":
            return self.uid(tag, args)
        elif command == "LOGOUT":
            self.send("* BYE")
            self.send(f"{tag} OK bye")
            return False
        elif command != "NOOP":
            self.send(f"{tag} BAD unknown command")
            return True
        self.send(f"{tag} OK done")
        return True

    def uid(self, tag: str, args: str) -> bool:
        messages = self.server.store.mailboxes.get(self.box or "", [])
        sub, _, rest = args.partition(" ")
        if sub.upper() == "SEARCH":
            first = int(rest.split()[-1].split(":")[0])
            found = [u for u, _ in messages if u >= first] or ([messages[-1][0]] if messages else [])
            self.send("* SEARCH " + " ".join(str(u) for u in found))
        elif sub.upper() == "FETCH":
            uid = int(rest.split()[0])
            for n, (u, raw) in enumerate(messages, 1):
                if u == uid:
                    self.send(f"* {n} FETCH (UID {u} BODY[] {{{len(raw)}}}".encode() + b"\r\n" + raw + b")")
        self.send(f"{tag} OK done")
        return True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, store: Store, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.store, self.tls = store, tls


class ImapServer:
    def __init__(self, store: Store, tls: ssl.SSLContext) -> None:
        self.server = _Server(store, tls)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ImapServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
