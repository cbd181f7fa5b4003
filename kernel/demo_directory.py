"""The demo's fictitious directory: a few thousand professionals and services in several cities.

Generated deterministically (a seeded ``random.Random``) as an MSSanté extraction in the published
format, then read by the directory's own importer (``relais import-annuaire``'s path), so that the
demo's searches by name, city, speciality or establishment behave as they would on the national file.
Every generated address is under ``OUTSIDE_DOMAIN``: people with no account on the platform, reached by mail
through the demo's stand-in operator (kernel/demo_operator.py), which acknowledges their mail. The demo's own
account holders are published too (``PublishedAddress``), with the structure each of their addresses leads to.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .directory.importer import import_source
from .directory.reader import Source
from .directory.text import fold
from .models.directory import DirectoryAddress

# Fictitious: no real MSSanté domain ends with it. The stand-in operator accepts it and its subdomains.
OUTSIDE_DOMAIN = "annuaire-demo.mssante.fr"
FILE_NAME = "annuaire-demo-mssante.txt"
SEED = 20261207
PROFESSIONALS = 2600
SERVICES = 400

HEADER = ("Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
          "Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|"
          "Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|"
          "Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|"
          "Raison Sociale structure BAL|Enseigne commerciale structure BAL|"
          "L2COMPLEMENTLOCALISATION structure BAL|L3COMPLEMENTDISTRIBUTION structure BAL|"
          "L4NUMEROVOIE structure BAL|L4COMPLEMENTNUMEROVOIE structure BAL|NL4TYPEVOIE structure BAL|"
          "L4LIBELLEVOIE structure BAL|L5LIEUDITMENTION structure BAL|L6LIGNEACHEMINEMENT structure BAL|"
          "Code postal structure BAL|Département structure BAL|Pays structure BAL")

SURNAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
    "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure "
    "André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément "
    "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Lemaire Noël Meyer Dufour "
    "Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier "
    "Bourgeois Benoît Rey Leclerc Payet Rolland Guillaume Lecomte Lopez Dupuy Guillot Hubert Berger Carpentier "
    "Moulin Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Poirier Marty Aubry Guyot Carré "
    "Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Collet Léger Bouvier "
    "Prévost Millet Perrot Cousin Germain Breton Besson Langlois Pelletier Lévêque Perrier Leblanc Lebrun Weber "
    "Hamon Boulanger Monnier Michaud Gillet Tessier Chauvin Humbert Reynaud Cordier Pichon Lejeune Delaunay "
    "Pasquier Laporte Nguyen Haddad Benali Diallo Traoré Ferreira Le_Gall Le_Goff Da_Silva Le_Bihan").split()
FIRST_NAMES = (
    "Marie Jean Pierre Michel Philippe Nathalie Isabelle Sylvie Catherine Françoise Christine Alain Patrick "
    "Nicolas Christophe Stéphane Sébastien Julien Céline Aurélie Émilie Élodie Julie Camille Léa Manon Chloé "
    "Sarah Laura Thomas Maxime Alexandre Antoine Hugo Lucas Louis Paul Arthur Gabriel Raphaël Zoé Inès Anaïs "
    "Mathilde Pauline Hélène Véronique Valérie Sandrine Laurence Sophie Anne Caroline Virginie Delphine Benoît "
    "François Jérôme Frédéric Éric Laurent Olivier David Vincent Guillaume Romain Mathieu Florian Quentin "
    "Gaëlle Noémie Clémence Agnès Brigitte Dominique Gérard Yves Hervé Thierry Didier Pascal Bruno Cédric Loïc "
    "Yannick Aurore Justine Margaux Mélanie Marion Charlotte Lucie Alice Emma Louise Karim Mehdi Sofiane "
    "Jean-Pierre Jean-François Marie-Claire Anne-Sophie Pierre-Yves Marie-Hélène Jean-Baptiste").split()

# (code, label, weight, specialties as (code, label, weight)): shares roughly those of the MSSanté directory.
PROFESSIONS = (
    ("10", "Médecin", 50, (("SM54", "Médecine générale", 40), ("SM04", "Cardiologie et maladies vasculaires", 5),
                           ("SM40", "Pédiatrie", 5), ("SM42", "Psychiatrie", 5), ("SM44", "Radio-diagnostic", 4),
                           ("SM20", "Gynécologie-obstétrique", 4), ("SM38", "Ophtalmologie", 3),
                           ("SM15", "Dermatologie et vénéréologie", 3), ("SM02", "Anesthésie-réanimation", 4),
                           ("SM24", "Gastro-entérologie et hépatologie", 3), ("SM50", "Rhumatologie", 2),
                           ("SM32", "Neurologie", 2), ("SM41", "Pneumologie", 2), ("SM53", "Gériatrie", 2),
                           ("SM16", "Endocrinologie et métabolisme", 2), ("SM33", "Néphrologie", 1),
                           ("SM95", "Médecine d'urgence", 3), ("SM37", "Oncologie médicale", 1))),
    ("60", "Infirmier", 17, ()),
    ("21", "Pharmacien", 9, ()),
    ("70", "Masseur-Kinésithérapeute", 8, ()),
    ("40", "Chirurgien-Dentiste", 7, ()),
    ("50", "Sage-Femme", 4, ()),
    ("91", "Orthophoniste", 2, ()),
    ("80", "Pédicure-Podologue", 2, ()),
)
# (city, postcode, département, weight, hospital's short name for its mail domain)
CITIES = (
    ("LYON", "69003", "69", 18, "chu-lyon"), ("CLERMONT-FERRAND", "63000", "63", 12, "chu-clermont"),
    ("GRENOBLE", "38000", "38", 12, "chu-grenoble"), ("SAINT-ETIENNE", "42000", "42", 10, "chu-saint-etienne"),
    ("ANNECY", "74000", "74", 7, "ch-annecy"), ("CHAMBERY", "73000", "73", 7, "ch-chambery"),
    ("VALENCE", "26000", "26", 6, "ch-valence"), ("BOURG-EN-BRESSE", "01000", "01", 5, "ch-bourg"),
    ("VICHY", "03200", "03", 4, "ch-vichy"), ("AURILLAC", "15000", "15", 3, "ch-aurillac"),
    ("LE PUY-EN-VELAY", "43000", "43", 3, "ch-le-puy"), ("PRIVAS", "07000", "07", 2, "ch-privas"),
    ("MARSEILLE", "13005", "13", 10, "ap-hm"), ("BORDEAUX", "33000", "33", 8, "chu-bordeaux"),
    ("LILLE", "59000", "59", 8, "chu-lille"), ("AJACCIO", "20000", "2A", 2, "ch-ajaccio"),
)
HOSPITAL_SERVICES = ("Cardiologie", "Urgences", "Pédiatrie", "Radiologie", "Secrétariat médical", "Maternité",
                     "Laboratoire de biologie médicale", "Oncologie", "Neurologie", "Gériatrie", "Pneumologie",
                     "Chirurgie orthopédique", "Médecine interne", "Psychiatrie adulte", "Dermatologie",
                     "Néphrologie", "Consultations externes", "Hôpital de jour", "Soins palliatifs", "Diabétologie")
# A hospital specialist works in the service of their speciality; others in a service open to all.
SPECIALTY_SERVICES = {"SM04": "Cardiologie", "SM40": "Pédiatrie", "SM42": "Psychiatrie adulte", "SM44": "Radiologie",
                      "SM20": "Maternité", "SM15": "Dermatologie", "SM32": "Neurologie", "SM41": "Pneumologie",
                      "SM53": "Gériatrie", "SM16": "Diabétologie", "SM33": "Néphrologie", "SM95": "Urgences",
                      "SM37": "Oncologie", "SM02": "Réanimation", "SM24": "Gastro-entérologie",
                      "SM50": "Rhumatologie", "SM38": "Ophtalmologie"}
GENERAL_SERVICES = ("Urgences", "Médecine interne", "Consultations externes", "Hôpital de jour", "Gériatrie")
OTHER_STRUCTURES = (("EHPAD LES TILLEULS", "ehpad-tilleuls", "Secrétariat"),
                    ("MAISON DE SANTE PLURIPROFESSIONNELLE", "msp", "Accueil"),
                    ("CENTRE DE SANTE MUNICIPAL", "cds", "Secrétariat médical"),
                    ("LABORATOIRE BIOLAB", "biolab", "Résultats"),
                    ("SERVICE DE SOINS INFIRMIERS A DOMICILE", "ssiad", "Coordination des soins"))
STREETS = ("R|DE LA REPUBLIQUE", "AV|VICTOR HUGO", "BD|JEAN JAURES", "R|PASTEUR", "PL|DE LA GARE", "AV|GAMBETTA",
           "R|DU MARECHAL FOCH", "ALL|DES LILAS", "R|DES ECOLES", "BD|DU GENERAL DE GAULLE")
PERSONAL_SUBDOMAINS = {"10": "medecin", "21": "pharmacien", "40": "dentiste", "50": "sage-femme", "60": "infirmier",
                       "70": "kine"}


@dataclass(frozen=True)
class PublishedAddress:
    """A demo account holder's address as the national extraction publishes it, with where it leads: the
    directory then labels it by its structure (« … (CHU DE CLERMONT-FERRAND, Clermont-Ferrand) »), and the
    account is linked to its national entry by its RPPS, as a real professional's would be."""
    address: str
    rpps: str
    title: str  # "DR" or ""
    last_name: str
    first_name: str
    profession: str  # code of PROFESSIONS
    specialty: str  # savoir-faire code of that profession, or ""
    organisation: str
    city: str  # a name of CITIES
    service: str = ""


@dataclass(frozen=True)
class DirectorySeed:
    created: bool  # False: the directory was already there (a second start)
    professionals: int
    services: int
    seconds: float


def _luhn_key(digits: str) -> str:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


class _Generator:
    def __init__(self) -> None:
        self.rnd = random.Random(SEED)
        self.used: set[str] = set()

    def city(self) -> tuple[str, str, str, int, str]:
        return self.rnd.choices(CITIES, [c[3] for c in CITIES])[0]

    def address(self, local: str, domain: str) -> str:
        # "Jean-Pierre Le Gall" -> jean-pierre.le-gall: words of a part joined by "-", parts by ".".
        base = ".".join("-".join(fold(part).split()) for part in local.split("."))
        candidate, n = f"{base}@{domain}", 1
        while candidate in self.used:  # namesakes: jean.martin2@..., as operators number them
            n += 1
            candidate = f"{base}{n}@{domain}"
        self.used.add(candidate)
        return candidate

    def place(self, city: tuple[str, str, str, int, str], organisation: str) -> list[str]:
        name, postcode, dept = city[:3]
        kind, street = self.rnd.choice(STREETS).split("|")
        return [organisation, "", "", "", str(self.rnd.randint(1, 180)), "", kind, street, "",
                f"{postcode} {name}", postcode, dept, "99100"]

    def professional(self, n: int) -> str:
        r = self.rnd
        code, label, _, specialties = r.choices(PROFESSIONS, [p[2] for p in PROFESSIONS])[0]
        sf_code, sf_label = r.choices(specialties, [s[2] for s in specialties])[0][:2] if specialties else ("", "")
        first, last = r.choice(FIRST_NAMES), r.choice(SURNAMES).replace("_", " ")
        # Fictitious RPPS: 11 digits with a Luhn key, far above the demo accounts' numbers.
        body = f"1{50_000_000 + n:09d}"
        rpps = body + _luhn_key(body)
        city = self.city()
        in_hospital = code in ("10", "60", "50") and sf_label != "Médecine générale" and r.random() < 0.6
        if in_hospital:
            organisation = ("CHU" if city[4].startswith(("chu", "ap-")) else "CENTRE HOSPITALIER") + f" DE {city[0]}"
            service = SPECIALTY_SERVICES.get(sf_code) or r.choice(GENERAL_SERVICES)
            domain = f"{city[4]}.{OUTSIDE_DOMAIN}"
        else:
            organisation = f"CABINET {'MEDICAL' if code == '10' else 'DE SOINS'} {fold(last).upper()}"
            service = ""
            domain = f"{PERSONAL_SUBDOMAINS.get(code, 'sante')}.{OUTSIDE_DOMAIN}"
        title = "DR" if code in ("10", "40") else ""
        return "|".join(["PER", self.address(f"{first}.{last}", domain), "8", rpps, "8" + rpps, "1",
                         f"{r.randint(10, 97)}{r.randint(0, 9_999_999):07d}", service, title, last.upper(), first,
                         "C", "Civil", code, label, sf_code, sf_label, "O", *self.place(city, organisation)])

    def service(self) -> str:
        r = self.rnd
        city = self.city()
        if r.random() < 0.75:
            organisation = ("CHU" if city[4].startswith(("chu", "ap-")) else "CENTRE HOSPITALIER") + f" DE {city[0]}"
            service, domain = r.choice(HOSPITAL_SERVICES), f"{city[4]}.{OUTSIDE_DOMAIN}"
        else:
            name, short, service = r.choice(OTHER_STRUCTURES)
            organisation = f"{name} DE {city[0]}"
            domain = f"{short}-{fold(city[0]).replace(' ', '-')}.{OUTSIDE_DOMAIN}"
        return "|".join(["ORG", self.address(service, domain), "", "", "", "1",
                         f"{r.randint(10, 97)}{r.randint(0, 9_999_999):07d}", service, "", "", "", "", "", "", "",
                         "", "", "O", *self.place(city, organisation)])

    def published(self, p: PublishedAddress) -> str:
        code, label, _, specialties = next(x for x in PROFESSIONS if x[0] == p.profession)
        sf_label = next((s[1] for s in specialties if s[0] == p.specialty), "")
        city = next(c for c in CITIES if c[0] == p.city)
        return "|".join(["PER", p.address, "8", p.rpps, "8" + p.rpps, "1",
                         f"{self.rnd.randint(10, 97)}{self.rnd.randint(0, 9_999_999):07d}", p.service, p.title,
                         p.last_name.upper(), p.first_name, "C", "Civil", code, label, p.specialty, sf_label, "O",
                         *self.place(city, p.organisation)])

    def lines(self, professionals: int, services: int, published: tuple[PublishedAddress, ...] = ()) -> Iterator[str]:
        yield HEADER
        for n in range(professionals):
            yield self.professional(n)
        for _ in range(services):
            yield self.service()
        # Last, so the generated lines above stay the same bytes with or without them.
        for p in published:
            yield self.published(p)


def write_file(path: Path, professionals: int = PROFESSIONALS, services: int = SERVICES,
               published: tuple[PublishedAddress, ...] = ()) -> None:
    """The extraction's text; the same bytes on every call (seeded)."""
    path.write_text("\n".join(_Generator().lines(professionals, services, published)) + "\n", encoding="utf-8")


def is_outside_address(address: str) -> bool:
    """An address of the fictitious directory (the stand-in operator's domains)."""
    domain = address.rpartition("@")[2].lower()
    return domain == OUTSIDE_DOMAIN or domain.endswith("." + OUTSIDE_DOMAIN)


def seed_directory(data_dir: Path, professionals: int = PROFESSIONALS, services: int = SERVICES,
                   published: tuple[PublishedAddress, ...] = ()) -> DirectorySeed:
    """Import the fictitious directory once (idempotent: a second start finds it there and imports nothing).
    Runs in an app context, outside any transaction: the importer writes by batches of its own."""
    started = time.monotonic()
    if DirectoryAddress.select().where(DirectoryAddress.address.endswith("." + OUTSIDE_DOMAIN)).exists():
        return DirectorySeed(False, 0, 0, time.monotonic() - started)
    path = data_dir / FILE_NAME
    write_file(path, professionals, services, published)
    outcome = import_source(Source(path))
    return DirectorySeed(True, outcome.professionals, outcome.services, time.monotonic() - started)
