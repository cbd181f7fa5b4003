"""``relais print``: the desktop's virtual printer (DOC-5). Files given on the command line, or dropped into a
watched folder (watchdog), go to the user's document draft on the platform (bearer token); the user completes the
single screen in the browser, whose address is printed."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import click
import requests
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

DRAFT = "/documents/brouillon"
SENT_FOLDER = "envoyes"  # inside the watched folder: what has gone to the draft
SETTLE_SECONDS = 0.5  # a printer writes its file in several steps: wait until its size stays the same


class PrintFailed(click.ClickException):
    """Said in French on the terminal; the command ends with status 1."""


def _answer(response: requests.Response) -> dict:
    if response.status_code == 401:
        raise PrintFailed("le jeton d'accès est refusé : créez-en un avec « relais token create ».")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code not in (200, 201):
        said = " ".join(m for messages in (body.get("errors") or {}).values() for m in messages)
        raise PrintFailed(said or f"la plateforme a répondu {response.status_code}.")
    return body


def push(server: str, token: str, paths: Iterable[Path], source: str = "impression") -> str:
    """Upload the files (the platform's attachments API: its limits and quota apply), put them into the draft;
    the address of the screen to complete."""
    base, headers = server.rstrip("/"), {"Authorization": f"Bearer {token}"}
    try:
        ids = []
        for path in paths:
            with path.open("rb") as handle:
                uploaded = _answer(requests.post(f"{base}/api/v1/attachments", headers=headers,
                                                 files=[("file", (path.name, handle))], timeout=120))
            ids += [a["id"] for a in uploaded.get("attachments", [])]
        body = _answer(requests.post(base + DRAFT, headers=headers, json={"attachments": ids, "source": source},
                                     timeout=120))
    except requests.RequestException as exc:
        raise PrintFailed(f"la plateforme {server} ne répond pas ({type(exc).__name__}) : vérifiez son adresse "
                          "et votre connexion.") from None
    return body.get("link") or base + body.get("url", "/envoyer/documents")


def settled(path: Path, wait: float = SETTLE_SECONDS) -> bool:
    """Whether the file is there and no longer growing."""
    try:
        before = path.stat().st_size
        time.sleep(wait)
        return path.is_file() and before == path.stat().st_size and before > 0
    except OSError:
        return False


class _Dropped(FileSystemEventHandler):
    def __init__(self, on_file: Callable[[Path], None]) -> None:
        self.on_file = on_file

    # A printer creates its file empty and writes it afterwards: every step may be the last one seen.
    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.on_file(Path(str(event.src_path)))

    on_modified = on_created
    on_closed = on_created

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.on_file(Path(str(event.dest_path)))


def watch(server: str, token: str, folder: Path, stop: threading.Event,
          say: Callable[[str], None] = click.echo) -> None:
    """Push every file that appears in ``folder`` (and those already there), then move it to ``envoyes/``;
    a failure is said and the file stays, to be pushed again when it is dropped again."""
    sent = folder / SENT_FOLDER
    sent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()

    def handle(path: Path) -> None:
        if path.parent != folder or path.name.startswith(".") or not settled(path):
            return
        with lock:
            if not path.exists():
                return
            try:
                link = push(server, token, [path], source="dossier")
            except PrintFailed as exc:
                say(f"« {path.name} » n'est pas parti : {exc.message}")
                return
            path.replace(sent / path.name)
            say(f"« {path.name} » est dans votre envoi de documents. Complétez-le : {link}")

    for existing in sorted(folder.iterdir()):
        if existing.is_file():
            handle(existing)
    observer = Observer()
    observer.schedule(_Dropped(handle), str(folder), recursive=False)
    observer.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        observer.stop()
        observer.join()


@click.command("print")
@click.argument("files", nargs=-1, metavar="[FICHIERS]...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--serveur", envvar="RELAIS_SERVEUR", required=True, metavar="URL",
              help="Adresse de la plateforme (https://…), ou la variable RELAIS_SERVEUR.")
@click.option("--jeton", envvar="RELAIS_JETON", required=True, metavar="JETON",
              help="Votre jeton d'accès (relais token create), ou la variable RELAIS_JETON.")
@click.option("--dossier", metavar="DOSSIER", type=click.Path(file_okay=False, path_type=Path),
              help="Surveiller ce dossier : chaque PDF ou image qui y est déposé part dans l'envoi, puis est rangé "
                   "dans son sous-dossier « envoyes ». Ctrl+C pour arrêter.")
def print_documents(files: tuple[Path, ...], serveur: str, jeton: str, dossier: Path | None) -> None:
    """Imprimante virtuelle : mettre des documents (PDF ou images) dans un envoi de documents à compléter."""
    if not files and dossier is None:
        raise click.UsageError("indiquez des fichiers à envoyer, ou un dossier à surveiller avec --dossier.")
    if files:
        link = push(serveur, jeton, files)
        click.echo(f"{len(files)} document{'s' if len(files) > 1 else ''} dans votre envoi de documents. "
                   f"Complétez-le dans votre navigateur : {link}")
    if dossier is not None:
        dossier.mkdir(parents=True, exist_ok=True)
        click.echo(f"Surveillance du dossier {dossier} : déposez-y un PDF ou une image. Ctrl+C pour arrêter.")
        stop = threading.Event()
        try:
            watch(serveur, jeton, dossier.resolve(), stop)
        except KeyboardInterrupt:
            stop.set()
