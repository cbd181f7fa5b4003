"""DOC-5, the virtual printer: ``relais print FILE...`` (bearer token, PDF or image) and a watched folder put
documents into the account's document draft, kept server-side, which the single screen opens with; the send
empties it. Against a real HTTP server (the testing kit's live server) and real wkhtmltopdf for images."""
from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from click.testing import CliRunner

from kernel.commands import cli
from kernel.testing import bearer, make_account, make_patient
from plugins.documents import hooks as documents_plugin
from plugins.documents.models import DraftFile
from plugins.documents.printer import SENT_FOLDER, watch

pytestmark = pytest.mark.relais(plugins=[("documents", documents_plugin)], mail_domains=["a.mssante.fr"],
                                mail_receiver_port=0)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * 40 for _ in range(30))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def julie(relais_app):
    return make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))


def token_of(account) -> str:
    return bearer(account)["Authorization"][len("Bearer "):]


def test_relais_print_puts_pdfs_and_images_into_the_draft(relais_app, relais_live_server, julie, tmp_path):
    (tmp_path / "CR.pdf").write_bytes(PDF)
    (tmp_path / "scan.png").write_bytes(png())
    result = CliRunner().invoke(cli, ["print", "--serveur", relais_live_server, "--jeton", token_of(julie),
                                      str(tmp_path / "CR.pdf"), str(tmp_path / "scan.png")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("2 documents dans votre envoi de documents. Complétez-le dans votre navigateur : "
                                     f"{relais_live_server}/envoyer/documents")
    files = [row.attachment for row in DraftFile.select().order_by(DraftFile.id)]
    assert [(a.filename, a.content_type) for a in files] == [("CR.pdf", "application/pdf"),
                                                              ("scan.pdf", "application/pdf")]
    # The screen opens with them attached (the draft is the account's, on the server).
    fields = {f["name"]: f for f in relais_app.test_client().get("/api/v1/channels/documents/form",
                                                                 headers=bearer(julie)).json["fields"]}
    assert [a["filename"] for a in fields["attachments"]["default"]] == ["CR.pdf", "scan.pdf"]
    other = make_account("paul", "Paul", "Durand")
    assert relais_app.test_client().get("/documents/brouillon", headers=bearer(other)).json["attachments"] == []
    assert relais_app.test_client().delete(f"/documents/brouillon/{files[0].id}",
                                           headers=bearer(other)).status_code == 404


@pytest.mark.parametrize("name, content, token, said", [
    ("notes.txt", b"pas un document", None, "« notes.txt » n'est ni un PDF ni une image : imprimez-le en PDF"),
    ("CR.pdf", PDF, "faux-jeton", "le jeton d'accès est refusé : créez-en un avec « relais token create »."),
])
def test_what_cannot_go_is_said_and_nothing_is_stored(relais_app, relais_live_server, julie, tmp_path, name,
                                                      content, token, said):
    (tmp_path / name).write_bytes(content)
    result = CliRunner().invoke(cli, ["print", "--serveur", relais_live_server, "--jeton", token or token_of(julie),
                                      str(tmp_path / name)])
    assert result.exit_code == 1 and said in result.output
    assert not DraftFile.select().exists()  # an upload left behind goes with the kernel's purge of unsent files


def test_a_platform_that_does_not_answer_is_said(tmp_path):
    (tmp_path / "CR.pdf").write_bytes(PDF)
    result = CliRunner().invoke(cli, ["print", "--serveur", "http://127.0.0.1:9", "--jeton", "x",
                                      str(tmp_path / "CR.pdf")])
    assert result.exit_code == 1 and "la plateforme http://127.0.0.1:9 ne répond pas" in result.output


def test_a_watched_folder_sends_what_the_printer_drops(relais_app, relais_live_server, julie, tmp_path):
    folder = tmp_path / "imprimante"
    folder.mkdir()
    (folder / "deja-la.pdf").write_bytes(PDF)
    said: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(relais_live_server, token_of(julie), folder, stop, said.append))
    watcher.start()
    try:
        _wait(lambda: DraftFile.select().count() == 1)
        (folder / "ordonnance.pdf").write_bytes(PDF + b"% ordonnance\n")
        _wait(lambda: DraftFile.select().count() == 2)
    finally:
        stop.set()
        watcher.join(10)
    names = sorted(row.attachment.filename for row in DraftFile.select())
    assert names == ["deja-la.pdf", "ordonnance.pdf"]
    assert sorted(p.name for p in (folder / SENT_FOLDER).iterdir()) == names  # put away once sent
    assert said[-1] == ("« ordonnance.pdf » est dans votre envoi de documents. Complétez-le : "
                        f"{relais_live_server}/envoyer/documents")


def test_the_send_empties_the_draft(relais_app, relais_live_server, julie, tmp_path):
    (tmp_path / "CR.pdf").write_bytes(PDF)
    assert CliRunner().invoke(cli, ["print", "--serveur", relais_live_server, "--jeton", token_of(julie),
                                    str(tmp_path / "CR.pdf")]).exit_code == 0
    make_account("paul", "Paul", "Durand", addresses=("paul@a.mssante.fr",))
    patient = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), in_care_of=julie)
    [attachment] = relais_app.test_client().get("/documents/brouillon", headers=bearer(julie)).json["attachments"]
    r = relais_app.test_client().post("/api/v1/channels/documents/exchanges", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["paul@a.mssante.fr"], "patient": patient.id,
        "attachments": [attachment["id"]], "descriptions": {f"type_{attachment['id']}": "57833-6",
                                                           f"date_{attachment['id']}": "2026-12-02"}})
    assert r.status_code == 201, r.json
    assert not DraftFile.select().exists()


def _wait(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the watched folder's file did not reach the draft"
        time.sleep(0.1)


def test_only_ones_own_uploads_go_into_ones_draft(relais_app, julie):
    client = relais_app.test_client()
    paul = make_account("paul", "Paul", "Durand")
    upload = client.post("/api/v1/attachments", headers=bearer(paul), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(PDF), "CR.pdf", "application/pdf")}).json["attachment"]["id"]
    r = client.post("/documents/brouillon", headers=bearer(julie), json={"attachments": [upload]})
    assert r.status_code == 404 and r.json["errors"] == {
        "attachments": ["Un des fichiers est introuvable : envoyez-le de nouveau."]}
    r = client.post("/documents/brouillon", headers=bearer(julie), json={"attachments": "tout"})
    assert r.status_code == 400 and not DraftFile.select().exists()
