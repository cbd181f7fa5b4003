"""A synthetic national MSSanté extraction in the published format, for the directory benchmark.

    python bench/directory_sample.py OUT.txt [--rows 1000000]

French names with a long tail of rarer ones, professions and specialties in realistic shares,
cities weighted by size, people with several mailboxes (their extra rows come later in the file, as
in the real extraction), organisational, application and cabinet mailboxes, and the anomalies the
real files carry: a lone double quote inside a field, and now and then a ``|`` inside a value.
Deterministic for a given seed.
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import deque
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernel.directory.text import fold  # noqa: E402

# The published extraction header, as the demo directory writes it (one copy of the format).
from kernel.demo_directory import HEADER  # noqa: E402

SURNAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
    "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure "
    "André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément "
    "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer "
    "Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard "
    "Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix "
    "Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean "
    "Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher "
    "Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard "
    "Maillard Baron Bertin Bailly Hervé Schneider Fernandez Collet Léger Bouvier Julien Prévost Millet Perrot "
    "Daniel Cousin Germain Breton Besson Langlois Rémy Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal "
    "Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin Poulain "
    "Tessier Chevallier Collin Chauvin Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau "
    "Perret Barthélémy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte Nguyen Haddad "
    "Benali Diallo Traoré Kowalski Ferreira Cœur").split()
COMPOUND_SURNAMES = ("Le Gall", "Le Roux", "Le Goff", "Da Silva", "Dos Santos", "De Oliveira", "Le Bihan",
                     "Saint-Martin", "Le Corre", "Lebon-Duval")
SYLLABLES = ("ker bel mor van lan ger bou cha ver ro mar ti nel gui lot bru fon tai ne ri vet gal dre mon "
             "cor dal pu jol ba sse lier geot rac hon vin mié cau det").split()
FIRST_NAMES = (
    "Marie Jean Pierre Michel Philippe Nathalie Isabelle Sylvie Catherine Françoise Christine Alain Patrick "
    "Nicolas Christophe Stéphane Sébastien Julien Céline Aurélie Émilie Élodie Julie Camille Léa Manon Chloé "
    "Sarah Laura Thomas Maxime Alexandre Antoine Hugo Lucas Louis Paul Arthur Gabriel Raphaël Jules Zoé Inès "
    "Anaïs Mathilde Pauline Hélène Véronique Valérie Sandrine Laurence Sophie Anne Caroline Virginie Delphine "
    "Benoît François Jérôme Frédéric Éric Laurent Olivier David Vincent Guillaume Romain Mathieu Florian "
    "Quentin Kévin Jérémy Gaëlle Maëlle Noémie Océane Clémence Agnès Brigitte Dominique Gérard Bernard René "
    "Yves Hervé Thierry Didier Pascal Bruno Cédric Fabrice Grégory Loïc Yannick Joël Aurore Justine Margaux "
    "Amandine Mélanie Marion Charlotte Lucie Alice Emma Jade Louise Ambre Lina Nour Yasmine Karim Mehdi Sofiane "
    "Jean-Pierre Jean-François Marie-Claire Anne-Sophie Pierre-Yves Marie-Hélène Jean-Baptiste").split()
# (code, label, share, specialties as (code, label, share)); shares roughly those of the MSSanté directory.
PROFESSIONS = (
    ("10", "Médecin", 48, (("SM54", "Médecine générale", 40), ("SM04", "Cardiologie et maladies vasculaires", 5),
                           ("SM40", "Pédiatrie", 5), ("SM42", "Psychiatrie", 6), ("SM44", "Radio-diagnostic", 5),
                           ("SM20", "Gynécologie-obstétrique", 4), ("SM38", "Ophtalmologie", 4),
                           ("SM15", "Dermatologie et vénéréologie", 3), ("SM02", "Anesthésie-réanimation", 6),
                           ("SM24", "Gastro-entérologie et hépatologie", 3), ("SM50", "Rhumatologie", 2),
                           ("SM32", "Neurologie", 2), ("SM41", "Pneumologie", 2),
                           ("SM39", "Oto-rhino-laryngologie", 2), ("SM16", "Endocrinologie et métabolisme", 2),
                           ("SM33", "Néphrologie", 1), ("SM11", "Chirurgie orthopédique et traumatologie", 3),
                           ("SM53", "Gériatrie", 2), ("SM95", "Médecine d'urgence", 3),
                           ("SM37", "Oncologie médicale", 1), ("SM05", "Biologie médicale", 1),
                           ("SM29", "Médecine interne", 1), ("SM30", "Médecine du travail", 1))),
    ("60", "Infirmier", 17, ()),
    ("21", "Pharmacien", 9, (("", "", 1),)),
    ("70", "Masseur-Kinésithérapeute", 8, ()),
    ("40", "Chirurgien-Dentiste", 7, (("SCD01", "Orthopédie dento-faciale", 1), ("", "", 6))),
    ("50", "Sage-Femme", 4, ()),
    ("80", "Pédicure-Podologue", 2, ()),
    ("91", "Orthophoniste", 2, ()),
    ("92", "Orthoptiste", 1, ()),
    ("96", "Psychomotricien", 1, ()),
    ("98", "Manipulateur ERM", 1, ()),
)
# (city, postcode, département, weight): big cities weigh more, as in the real directory.
CITIES = (
    ("PARIS", "750", "75", 120), ("MARSEILLE", "130", "13", 45), ("LYON", "690", "69", 40),
    ("TOULOUSE", "31000", "31", 30), ("NICE", "06000", "06", 22), ("NANTES", "44000", "44", 22),
    ("MONTPELLIER", "34000", "34", 22), ("STRASBOURG", "67000", "67", 20), ("BORDEAUX", "33000", "33", 22),
    ("LILLE", "59000", "59", 22), ("RENNES", "35000", "35", 18), ("REIMS", "51100", "51", 10),
    ("TOULON", "83000", "83", 10), ("SAINT-ETIENNE", "42000", "42", 10), ("LE HAVRE", "76600", "76", 8),
    ("GRENOBLE", "38000", "38", 12), ("DIJON", "21000", "21", 10), ("ANGERS", "49000", "49", 9),
    ("NIMES", "30000", "30", 8), ("VILLEURBANNE", "69100", "69", 7), ("CLERMONT-FERRAND", "63000", "63", 10),
    ("LE MANS", "72000", "72", 8), ("AIX-EN-PROVENCE", "13100", "13", 8), ("BREST", "29200", "29", 9),
    ("TOURS", "37000", "37", 9), ("AMIENS", "80000", "80", 8), ("LIMOGES", "87000", "87", 8),
    ("ANNECY", "74000", "74", 6), ("PERPIGNAN", "66000", "66", 7), ("BOULOGNE-BILLANCOURT", "92100", "92", 6),
    ("METZ", "57000", "57", 7), ("BESANCON", "25000", "25", 8), ("ORLEANS", "45000", "45", 7),
    ("SAINT-DENIS", "97400", "974", 7), ("ROUEN", "76000", "76", 9), ("ARGENTEUIL", "95100", "95", 4),
    ("MULHOUSE", "68100", "68", 6), ("MONTREUIL", "93100", "93", 4), ("CAEN", "14000", "14", 8),
    ("NANCY", "54000", "54", 8), ("SAINT-PAUL", "97460", "974", 3), ("ROUBAIX", "59100", "59", 4),
    ("TOURCOING", "59200", "59", 3), ("NANTERRE", "92000", "92", 4), ("VITRY-SUR-SEINE", "94400", "94", 3),
    ("AVIGNON", "84000", "84", 6), ("CRETEIL", "94000", "94", 5), ("POITIERS", "86000", "86", 6),
    ("DUNKERQUE", "59140", "59", 4), ("AUBERVILLIERS", "93300", "93", 2), ("VERSAILLES", "78000", "78", 5),
    ("COLOMBES", "92700", "92", 2), ("FORT-DE-FRANCE", "97200", "972", 4), ("POINTE-A-PITRE", "97110", "971", 4),
    ("AJACCIO", "20000", "2A", 3), ("BASTIA", "20200", "2B", 3), ("PAU", "64000", "64", 5),
    ("LA ROCHELLE", "17000", "17", 5), ("CALAIS", "62100", "62", 3), ("CANNES", "06400", "06", 4),
    ("ANTIBES", "06600", "06", 3), ("BEZIERS", "34500", "34", 3), ("COLMAR", "68000", "68", 3),
    ("BOURGES", "18000", "18", 3), ("QUIMPER", "29000", "29", 3), ("VALENCE", "26000", "26", 3),
    ("TROYES", "10000", "10", 3), ("CHAMBERY", "73000", "73", 3), ("NIORT", "79000", "79", 3),
    ("LORIENT", "56100", "56", 3), ("VANNES", "56000", "56", 3), ("SAINT-MALO", "35400", "35", 2),
    ("CHARTRES", "28000", "28", 2), ("LAVAL", "53000", "53", 2), ("BAYONNE", "64100", "64", 3),
    ("ANGOULEME", "16000", "16", 2), ("EVREUX", "27000", "27", 2), ("CHALON-SUR-SAONE", "71100", "71", 2),
    ("BELFORT", "90000", "90", 2), ("AUXERRE", "89000", "89", 2), ("TARBES", "65000", "65", 2),
    ("ALBI", "81000", "81", 2), ("CARCASSONNE", "11000", "11", 2), ("AGEN", "47000", "47", 2),
    ("MONTAUBAN", "82000", "82", 2), ("BLOIS", "41000", "41", 2), ("CHATEAUROUX", "36000", "36", 2),
    ("NEVERS", "58000", "58", 2), ("EPINAL", "88000", "88", 2), ("SAINT-BRIEUC", "22000", "22", 2),
    ("GAP", "05000", "05", 1), ("DIGNE-LES-BAINS", "04000", "04", 1), ("MENDE", "48000", "48", 1),
    ("AURILLAC", "15000", "15", 1), ("GUERET", "23000", "23", 1), ("PRIVAS", "07000", "07", 1),
    ("FOIX", "09000", "09", 1), ("RODEZ", "12000", "12", 1), ("CAHORS", "46000", "46", 1),
    ("AUCH", "32000", "32", 1), ("MONT-DE-MARSAN", "40000", "40", 1), ("CAYENNE", "97300", "973", 2),
    ("MAMOUDZOU", "97600", "976", 1), ("BOURG-EN-BRESSE", "01000", "01", 2), ("LAON", "02000", "02", 1),
    ("MOULINS", "03000", "03", 1), ("CHARLEVILLE-MEZIERES", "08000", "08", 1), ("PERIGUEUX", "24000", "24", 2),
    ("LONS-LE-SAUNIER", "39000", "39", 1), ("LE PUY-EN-VELAY", "43000", "43", 1), ("SAINT-LO", "50000", "50", 1),
    ("CHAUMONT", "52000", "52", 1), ("BAR-LE-DUC", "55000", "55", 1), ("BEAUVAIS", "60000", "60", 2),
    ("ALENCON", "61000", "61", 1), ("VESOUL", "70000", "70", 1), ("LA ROCHE-SUR-YON", "85000", "85", 2),
    ("MELUN", "77000", "77", 2), ("EVRY-COURCOURONNES", "91000", "91", 2), ("CERGY", "95000", "95", 2),
    ("BOBIGNY", "93000", "93", 2), ("ARRAS", "62000", "62", 2), ("SAINTES", "17100", "17", 1),
)
SERVICES = ("Cardiologie", "Urgences", "Pédiatrie", "Radiologie", "Secrétariat médical", "Maternité",
            "Laboratoire de biologie médicale", "Oncologie", "Neurologie", "Gériatrie", "Pneumologie",
            "Chirurgie orthopédique", "Médecine interne", "Psychiatrie adulte", "Imagerie médicale",
            "Service de soins infirmiers à domicile", "Dermatologie", "Néphrologie", "Réanimation",
            "Consultations externes", "Pharmacie à usage intérieur", "Bureau des admissions",
            "Coordination des soins", "Hôpital de jour", "Soins palliatifs", "Gynécologie", "Ophtalmologie")
ESTABLISHMENTS = ("CENTRE HOSPITALIER DE {city}", "CHU DE {city}", "CLINIQUE SAINT-JOSEPH", "CLINIQUE DU PARC",
                  "POLYCLINIQUE DE {city}", "EHPAD LES TILLEULS", "CENTRE DE SANTE MUNICIPAL",
                  "HOPITAL PRIVE DE {city}", "MAISON DE SANTE PLURIPROFESSIONNELLE DE {city}",
                  "LABORATOIRE BIOLAB", "CENTRE DE LUTTE CONTRE LE CANCER", "GROUPE HOSPITALIER {city} NORD")
STREETS = ("DE LA REPUBLIQUE", "VICTOR HUGO", "JEAN JAURES", "DU GENERAL DE GAULLE", "PASTEUR", "DES LILAS",
           "DE LA GARE", "GAMBETTA", "DU MARECHAL FOCH", "DE PARIS", "NATIONALE", "DES ECOLES")
STREET_TYPES = ("R", "AV", "BD", "PL", "CHE", "ALL")
PERSONAL_DOMAINS = {"10": "medecin.mssante.fr", "21": "pharmacien.mssante.fr", "40": "chirurgien-dentiste.mssante.fr",
                    "50": "sage-femme.mssante.fr", "60": "infirmier.mssante.fr", "70": "mk.mssante.fr"}


class Sample:
    """Draws rows; ``lines()`` yields the file's lines (header first)."""

    def __init__(self, rows: int, seed: int = 20240501) -> None:
        self.rows = rows
        self.rnd = random.Random(seed)
        r = self.rnd
        # A long tail of rarer surnames, as in real life: most people do not share their name with thousands.
        tail = {(s1 + s2 + s3).capitalize() for s1 in SYLLABLES for s2 in SYLLABLES for s3 in ("", *SYLLABLES[:12])}
        self.tail = sorted(tail)
        self.common = SURNAMES + list(COMPOUND_SURNAMES)
        self.common_weights = [1.0 / (i + 8) for i in range(len(self.common))]
        self.professions = PROFESSIONS
        self.profession_weights = [p[2] for p in PROFESSIONS]
        self.city_weights = [c[3] for c in CITIES]
        self.used: dict[str, int] = {}
        r.shuffle(self.tail)

    def surname(self) -> str:
        r = self.rnd
        if r.random() < 0.45:
            return r.choices(self.common, self.common_weights)[0]
        return self.tail[int(len(self.tail) * r.random() ** 2)]

    def city(self) -> tuple[str, str, str]:
        name, postcode, dept, _ = self.rnd.choices(CITIES, self.city_weights)[0]
        if len(postcode) == 3:  # Paris, Marseille, Lyon: a district
            district = self.rnd.randint(1, 20 if postcode == "750" else 16 if postcode == "130" else 9)
            postcode = f"{postcode}{district:02d}"
        return name, postcode, dept

    def address(self, local: str, domain: str) -> str:
        base = f"{fold(local).replace(' ', '.')}@{domain}"
        n = self.used.get(base, 0)
        self.used[base] = n + 1
        return base if n == 0 else base.replace("@", f"{n}@")

    def structure_columns(self, city: tuple[str, str, str], name: str) -> list[str]:
        r = self.rnd
        city_name, postcode, dept = city
        return [name, "", "" if r.random() < 0.8 else "BATIMENT B", "" if r.random() < 0.9 else "CS 30001",
                str(r.randint(1, 200)), "" if r.random() < 0.95 else "BIS", r.choice(STREET_TYPES),
                r.choice(STREETS), "", f"{postcode} {city_name}", postcode, dept, "99100"]

    def person(self, n: int) -> list[list[str]]:
        r = self.rnd
        code, label, _, specialties = r.choices(self.professions, self.profession_weights)[0]
        sf_code, sf_label = "", ""
        if specialties:
            sf_code, sf_label, _ = r.choices(specialties, [s[2] for s in specialties])[0]
        first, last = r.choice(FIRST_NAMES), self.surname()
        rpps = f"10{n:09d}"
        title = "DR" if code in ("10", "40") and r.random() < 0.9 else ("PR" if code == "10" and r.random() < 0.3 else "")
        count = 1 + (r.random() < 0.06) + (r.random() < 0.01)
        rows = []
        for i in range(count):
            city = self.city()
            if code in ("10", "21", "40") and r.random() < 0.35:
                org = r.choice(ESTABLISHMENTS).format(city=city[0])
                service = r.choice(SERVICES) if org.startswith(("CENTRE H", "CHU", "HOP", "GROUPE")) else ""
            else:
                org, service = f"CABINET {'MEDICAL' if code == '10' else 'DE SOINS'} {last.upper()}", ""
            domain = PERSONAL_DOMAINS.get(code, "mssante.fr") if i == 0 else f"{fold(org)[:20].replace(' ', '-')}.mssante.fr"
            rows.append(["PER", self.address(f"{first}.{last}", domain), "8", rpps, "8" + rpps, "1",
                         f"{r.randint(10, 97)}{r.randint(0, 9999999):07d}", service, title, last.upper(), first,
                         "C", "Civil", code, label, sf_code, sf_label, "O",
                         *self.structure_columns(city, org)])
        return rows

    def mailbox(self, kind: str) -> list[str]:
        r = self.rnd
        city = self.city()
        org = r.choice(ESTABLISHMENTS).format(city=city[0])
        service = r.choice(SERVICES) if kind != "CAB" else ""
        if kind == "CAB":
            org = f"CABINET MEDICAL {self.surname().upper()}"
        local = {"ORG": service or "secretariat", "APP": "dpi-" + (service or "integration"), "CAB": "cabinet"}[kind]
        domain = f"{fold(org)[:24].replace(' ', '-')}.mssante.fr"
        return [kind, self.address(local, domain), "", "", "", "1", f"{r.randint(10, 97)}{r.randint(0, 9999999):07d}",
                service, "", "", "", "", "", "", "", "", "", "O", *self.structure_columns(city, org)]

    def lines(self) -> Iterator[str]:
        r = self.rnd
        yield HEADER
        later: deque[tuple[int, list[str]]] = deque()  # extra mailboxes of a person, emitted a little later
        written, n = 0, 0
        while written < self.rows:
            if later and (later[0][0] <= written or written + len(later) >= self.rows):
                fields = later.popleft()[1]
            else:
                roll = r.random()
                if roll < 0.855:
                    n += 1
                    first, *extra = self.person(n)
                    for row in extra:
                        later.append((written + r.randint(50, 20_000), row))
                    fields = first
                else:
                    fields = self.mailbox("ORG" if roll < 0.99 else "APP" if roll < 0.995 else "CAB")
            if r.random() < 0.0002:  # a lone double quote, as seen in published files
                fields[18] = fields[18] + ' "LES TILLEULS'
            line = "|".join(fields)
            if r.random() < 0.00002:  # a "|" inside a value: the columns shift, the importer must reject it
                line = line.replace("|O|", "|O|A|B", 1)
            yield line
            written += 1


def write(path: Path, rows: int, seed: int = 20240501) -> int:
    """Write ``rows`` data lines (plus the header) to ``path``; returns the byte size."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        buffer: list[str] = []
        for line in Sample(rows, seed).lines():
            buffer.append(line)
            if len(buffer) >= 10_000:
                out.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            out.write("\n".join(buffer) + "\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args()
    size = write(args.out, args.rows, args.seed)
    print(f"{args.out}: {args.rows} lines, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
