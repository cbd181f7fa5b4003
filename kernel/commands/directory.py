"""``relais import-annuaire``: import the national directory's public extraction files."""
from __future__ import annotations

import sys
import time
import zipfile

import click

from ..directory.columns import KIND_LABELS, MSSANTE, HeaderError
from ..directory.importer import RETIRE_LIMIT, ImportOutcome, import_source, percent, read_layout
from ..directory.reader import ImportFileError, sources_of
from .common import Fail, effective_config, open_platform


@click.command("import-annuaire")
@click.argument("paths", nargs=-1, required=True, metavar="FICHIER...")
@click.option("--retirement-threshold", "threshold", type=click.FloatRange(0, 100), default=round(RETIRE_LIMIT * 100),
              show_default=True, metavar="POURCENTAGE",
              help="Part des adresses MSSanté actives qu'un import peut retirer ; au-delà, il n'en retire aucune.")
@click.option("--force-retirement", is_flag=True,
              help="Retirer les adresses absentes du fichier même au-delà du seuil (extraction nationale "
                   "complète vérifiée).")
def import_annuaire(paths: tuple[str, ...], threshold: float, force_retirement: bool) -> None:
    """Importer l'annuaire national de santé.

    FICHIER : Extraction_Correspondance_MSSante_*.txt (ou le .zip qui le contient) et
    PS_LibreAcces_Personne_activite_*.txt, dans n'importe quel ordre. Dans un .zip, seuls les fichiers
    reconnus à leur en-tête sont importés ; les autres (LISEZMOI...) sont signalés et ignorés.

    Un nouvel import met à jour ce qui a changé et retire les adresses qui ne sont plus publiées,
    seulement si le fichier a été lu en entier ; l'adresse d'une ligne rejetée n'est pas retirée.
    Si plus de 10 % des adresses actives sont absentes du fichier (seuil réglable avec
    --retirement-threshold), aucune n'est retirée : c'est souvent un fichier régional ou tronqué.
    Vérifiez-le, puis relancez avec --force-retirement. Les comptes de la plateforme ne sont pas
    modifiés. Les lignes rejetées sont listées dans un fichier à côté des données."""
    try:
        found = [sources_of(path) for path in paths]
    except ImportFileError as exc:
        raise Fail(str(exc)) from None
    sources = [s for f in found for s in f.files]
    for path, selection in zip(paths, found):
        if selection.ignored:
            n = len(selection.ignored)
            click.echo(f"« {path} » : {_counted(n, 'fichier')} ignoré{'s' if n > 1 else ''}, ni extraction des BAL "
                       "MSSanté ni PS_LibreAcces_Personne_activite : " + ", ".join(selection.ignored) + ".")
    config = effective_config(quiet=True)
    with open_platform(config, require_current=True):
        planned = []
        for source in sources:
            try:
                planned.append((source, read_layout(source)))
            except (HeaderError, ImportFileError) as exc:
                raise Fail(f"« {source.name} » : {exc} Rien n'a été importé.") from None
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise Fail(f"« {source.name} » est illisible ({exc}). Rien n'a été importé.") from None
        # The extraction first: PS_LibreAcces enriches the professionals it lists.
        planned.sort(key=lambda p: p[1].kind != MSSANTE)
        for source, _ in planned:
            progress = ProgressLine(source.name)
            try:
                outcome = import_source(source, progress, retire_limit=threshold / 100,
                                        force_retire=force_retirement)
            except (OSError, zipfile.BadZipFile, EOFError, ImportFileError) as exc:
                progress.end()
                raise Fail(f"la lecture de « {source.name} » s'est arrêtée avant la fin ({exc}). Les lignes déjà "
                           "lues sont enregistrées, mais aucune adresse n'a été retirée : relancez l'import avec "
                           "un fichier complet.") from None
            except KeyboardInterrupt:
                progress.end()
                raise Fail(f"import de « {source.name} » interrompu : les lignes déjà lues sont enregistrées, "
                           "aucune adresse n'a été retirée. Relancez l'import pour le terminer.") from None
            progress.end()
            click.echo(summary(outcome))


class ProgressLine:
    """Lines read and speed on stderr: rewritten in place on a terminal, a line every 10 s otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = self.last = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, lines: int) -> None:
        now = time.monotonic()
        if now - self.last < (1.0 if self.tty else 10.0):
            return
        self.last = now
        rate = lines / max(now - self.started, 1e-6)
        text = f"{self.name} : {_n(lines)} lignes lues ({_n(round(rate))} lignes/s)"
        click.echo(("\r" + text) if self.tty else text, err=True, nl=not self.tty)
        self.shown = True

    def end(self) -> None:
        if self.shown and self.tty:
            click.echo("", err=True)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _counted(n: int, noun: str) -> str:
    return f"{_n(n)} {noun}{'s' if n > 1 else ''}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{seconds:.1f} s".replace(".", ",")


def summary(outcome: ImportOutcome) -> str:
    run, layout = outcome.run, outcome.layout
    lines = [f"Import terminé : « {outcome.source.name} » ({KIND_LABELS[layout.kind]}) en {_duration(outcome.seconds)}.",
             f"  lues          : {_n(run.lines_read)}"]
    if layout.kind == MSSANTE:
        lines.append(f"  créées        : {_n(run.created)}")
    lines += [f"  mises à jour  : {_n(run.updated)}", f"  inchangées    : {_n(run.unchanged)}"]
    if layout.kind == MSSANTE:
        note = " (retrait suspendu, voir ci-dessous)" if outcome.held else ""
        lines.append(f"  retirées      : {_n(run.retired)}{note}")
        lines.append(f"  non retirées  : {_n(outcome.kept)} (adresses publiées dont la ligne a été rejetée)")
    else:
        lines.append(f"  ignorées      : {_n(run.ignored)} (professionnels absents de l'annuaire MSSanté)")
    rejected = f"  rejetées      : {_n(run.rejected)}"
    if outcome.report is not None:
        rejected += f" (numéros de ligne et raisons : {outcome.report})"
    lines.append(rejected)
    lines.append(f"L'annuaire compte {_counted(outcome.professionals, 'professionnel')} et "
                 f"{_counted(outcome.services, 'service')}.")
    if outcome.held:
        held = outcome.held
        lines.append(f"Retrait suspendu : le fichier ne liste pas {_n(held.unseen)} des {_n(held.active)} adresses "
                     f"MSSanté actives ({percent(held.unseen / held.active)}), plus que le seuil de "
                     f"{percent(held.limit)}. Aucune adresse n'a été retirée. Un fichier régional, tronqué ou réduit "
                     "à son en-tête donne ce résultat : vérifiez qu'il s'agit de l'extraction nationale complète, "
                     "puis relancez l'import avec --force-retirement.")
    if outcome.latin1_lines:
        everything = outcome.latin1_lines >= run.lines_read
        lines.append("Le fichier n'est pas en UTF-8 : il a été lu en Latin-1 (ISO-8859-1)." if everything else
                     f"{_n(outcome.latin1_lines)} lignes n'étaient pas en UTF-8 : elles ont été lues en Latin-1.")
    if layout.unknown:
        lines.append("En-têtes inconnus, colonnes ignorées : " + ", ".join(f"« {h} »" for h in layout.unknown) + ".")
    if layout.by_position:
        lines.append("En-têtes inconnus, colonnes lues à leur position habituelle : " + ", ".join(layout.by_position) + ".")
    return "\n".join(lines)
