"""Benchmark: rendering a téléexpertise's compte rendu (TE-6) with 500 selected messages, against 50.

    python bench/teleexpertise_report.py [--messages 500] [--baseline 50] [--photos-every 25]

Builds a téléexpertise in a throwaway SQLite app (the tests' world: a requester, an expert department, a
patient with an INS), with N messages of realistic length, a photo (a 640×480 PNG) every
``--photos-every`` messages, then times what the report job does before writing: reading the ticked
messages and their files, building the facts, rendering the HTML, wkhtmltopdf, stamping page numbers.
Runs the baseline then the target in the same process, three times each, and prints the best.

Target (issue 11, item 6): 500 selected messages in under 5 s.
"""
from __future__ import annotations

import argparse
import io
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "plugins" / "teleexpertise")]

from finalisation_fixtures import make_case  # noqa: E402
from kernel import current_relais, utcnow  # noqa: E402
from kernel.models import Message, MessageAttachment  # noqa: E402
from kernel.testing import TestApps, make_account, make_structure  # noqa: E402
from plugins.teleexpertise import hooks  # noqa: E402
from plugins.teleexpertise.billing import paris_today, planned_acts  # noqa: E402
from plugins.teleexpertise.finalisation_models import Report  # noqa: E402
from plugins.teleexpertise.models import Request  # noqa: E402
from plugins.teleexpertise.report import report_context, report_pdf, selected_messages  # noqa: E402

TARGET_S = 5.0
SENTENCES = ("La lésion mesure environ 8 mm, bords irréguliers, deux teintes de brun.",
             "Pas de saignement ni de prurit signalés par la patiente.",
             "Antécédent de mélanome chez la mère, à 52 ans.",
             "Je vous joins une nouvelle photo prise en lumière naturelle.",
             "Pouvez-vous préciser le délai souhaité pour l'exérèse ?")


def photo(width: int = 640, height: int = 480) -> bytes:
    """A PNG gradient: the size of a phone photo once resized, without an imaging library."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 140))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def build(count: int, photos_every: int, picture: bytes) -> tuple[Request, list[int], object]:
    requester = make_account(None, "Julie", "Bernard", profession="Médecin généraliste")
    expert = make_account(None, "Sophie", "Laurent", profession="Médecin dermatologue")
    department = make_structure("Service de dermatologie — CHU de Lyon", delegates=(expert,))
    case = make_case(requester, department, expert, extra_messages=max(0, count - 4))
    relais = current_relais()
    for n, message in enumerate(case.messages):
        body = " ".join(SENTENCES[(n + i) % len(SENTENCES)] for i in range(1 + n % 3))
        Message.update(body=body).where(Message.id == message.id).execute()
        if photos_every and n % photos_every == 0:
            stored = relais.attachments.save(io.BytesIO(picture), f"photo-{n}.png", requester)
            MessageAttachment.create(message=message.id, attachment=stored.id)
    request = Request.get_by_id(case.request.id)
    request.conclusion = "Exérèse conseillée dans le mois, avec examen histologique."
    return request, [m.id for m in case.messages[:count]], expert


def render(request: Request, ids: list[int], expert) -> tuple[float, int, int]:
    started = time.perf_counter()
    report = Report(request=request, version=1, requested_by=expert, billing_number="691234567", message_ids=ids)
    acts = planned_acts(request, expert, "691234567", paris_today())
    pdf = report_pdf(report_context(request, report, selected_messages(request, ids), acts, expert, utcnow()))
    seconds = time.perf_counter() - started
    return seconds, len(pdf), len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=50)
    parser.add_argument("--photos-every", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    picture = photo()
    apps = TestApps(Path(tempfile.mkdtemp(prefix="relais-bench-te-")))
    app = apps.build([("teleexpertise", hooks)])
    results = []
    try:
        with app.app_context():
            for count in (args.baseline, args.messages):
                request, ids, expert = build(count, args.photos_every, picture)
                runs = [render(request, ids, expert) for _ in range(args.runs)]
                best = min(runs)
                results.append((count, *best))
    finally:
        apps.close()
    print(f"{'messages':>9} {'photos':>7} {'pages':>6} {'best s':>8} {'ms/msg':>7} {'PDF KB':>8}")
    for count, seconds, size, pages in results:
        photos = len(range(0, count, args.photos_every)) if args.photos_every else 0
        print(f"{count:>9} {photos:>7} {pages:>6} {seconds:>8.2f} {seconds / count * 1000:>7.1f} {size / 1024:>8.0f}")
    (base_n, base_s, *_), (n, s, *_) = results
    print(f"\n{n} messages take {s / base_s:.1f}× the time of {base_n} ({n / base_n:.0f}× the messages); "
          f"target {TARGET_S:.0f} s: {'OK' if s < TARGET_S else 'MISSED'}")
    sys.exit(0 if s < TARGET_S else 1)


if __name__ == "__main__":
    main()
