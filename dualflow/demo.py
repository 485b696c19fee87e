"""Demo data: a small, realistic data set (`load_demo`) and a bulk generator (`load_scale`).

Both are idempotent: `load_demo` matches every row on its natural key (institution number, KBO
number, e-mail, programme code, INSZ, ...) and only adds what is missing; `load_scale(n)` tops the
generated population up to n learners and does nothing when it is already there.

Every identifier is valid: KBO enterprise numbers and site numbers pass the mod-97 check,
national numbers (INSZ) agree with birth date and gender. All addresses, names and numbers are
invented; e-mail addresses use reserved domains (example.com, dualflow.demo).
"""

from __future__ import annotations

import hashlib
import random
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import func, insert, select, text
from sqlmodel import Session, SQLModel

from dualflow import audit, pdf
from dualflow.accounts.models import User
from dualflow.accounts.services import hash_password
from dualflow.agreements import contract
from dualflow.agreements.models import Agreement, Signature
from dualflow.agreements.services import PARTY_ORDER
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.extensions import db
from dualflow.i18n import local_datetime
from dualflow.learners.models import Learner
from dualflow.recognitions.models import Recognition, RecognitionMentor
from dualflow.reports.models import Document
from dualflow.trajectories.models import ClassCouncilDecision, Placement, Trajectory

DEMO_PASSWORD = "dualflow-demo"  # noqa: S105  (documented demo log-in)
DEMO_USERS: list[tuple[str, str]] = [
    ("admin@dualflow.demo", "admin"),
    ("coordinator@dualflow.demo", "coordinator"),
    ("company@dualflow.demo", "company"),
    ("mentor@dualflow.demo", "mentor"),
    ("sector@dualflow.demo", "sector"),
]

SEED = 2026
Progress = Callable[[str], object]

# ---------------------------------------------------------------------------------------------
# identifiers


def mod97_number(first_eight: str) -> str:
    """Ten digits: the eight given and two check digits making the whole divisible by 97."""
    base = int(first_eight)
    return f"{first_eight}{97 - base % 97:02d}"


def kbo_number(serial: int, *, prefix: str = "0") -> str:
    """A valid KBO enterprise number: prefix 0 or 1, seven serial digits, mod-97 check."""
    return mod97_number(f"{prefix}{serial:07d}")


def site_number(serial: int) -> str:
    """A valid site (vestigingseenheid) number: 2, seven serial digits, mod-97 check."""
    return mod97_number(f"2{serial:07d}")


def national_number(birth_date: date, sequence: int) -> str:
    """The INSZ for a birth date and day sequence (odd: male, even: female), with check digits.

    For births from 2000 on, the check digits are computed over the number prefixed with 2.
    """
    if not 1 <= sequence <= 997:
        raise ValueError("the day sequence runs from 001 to 997")
    base = f"{birth_date:%y%m%d}{sequence:03d}"
    checked = int(("2" if birth_date.year >= 2000 else "") + base)
    return f"{base}{97 - checked % 97:02d}"


def school_year_of(day: date) -> int:
    """The school year a day belongs to, as its starting calendar year (September boundary)."""
    return day.year if day.month >= 9 else day.year - 1


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def flemish_holidays(school_year: int) -> list[tuple[str, date, date]]:
    """The four two-week holidays of the Flemish school calendar (in force since 2022-23)."""
    autumn = _monday_of(date(school_year, 11, 1))
    christmas_day = date(school_year, 12, 25)
    christmas = (
        _monday_of(christmas_day) + timedelta(days=7)
        if christmas_day.weekday() >= 5
        else _monday_of(christmas_day)
    )
    spring_year = school_year + 1
    easter_day = easter(spring_year)
    carnival = easter_day - timedelta(days=48)  # the Monday seven weeks before Easter
    if easter_day.month == 3:
        spring = easter_day + timedelta(days=1)
    elif easter_day > date(spring_year, 4, 15):
        spring = easter_day - timedelta(days=13)
    else:
        first = date(spring_year, 4, 1)
        spring = first + timedelta(days=(7 - first.weekday()) % 7)
    two_weeks = timedelta(days=13)
    return [
        ("Herfstvakantie", autumn, autumn + two_weeks),
        ("Kerstvakantie", christmas, christmas + two_weeks),
        ("Krokusvakantie", carnival, carnival + two_weeks),
        ("Paasvakantie", spring, spring + two_weeks),
    ]


def _ascii(value: str) -> str:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch in ".-")


def _email(first: str, last: str, domain: str = "example.com") -> str:
    return f"{_ascii(first)}.{_ascii(last.replace(' ', ''))}@{domain}"


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def simple_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A one-page PDF of plain text lines (Helvetica); demo stand-in for a rendered contract."""

    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 15 Tf", "56 780 Td", f"({escape(title)}) Tj", "/F1 10 Tf", "0 -28 Td"]
    for line in lines:
        ops += [f"({escape(line)}) Tj", "0 -15 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# catalogue: sectors, programmes (Bijlage 10 of seed 004, plus a few non-STEM ones), competencies

A, AD, D = "arbeidsmarkt", "dubbele_finaliteit", "doorstroom"

SECTORS: list[dict[str, Any]] = [
    {"code": "BOUW", "name": "Bouw (Constructiv)", "email": "leerwerkplek@constructiv.example.org",
     "mentor_training_months": 6, "max_learners_per_mentor": 1,
     "teaching_certificate_exempts": True},
    {"code": "HOUT", "name": "Hout en meubel (Woodwize)", "email": "duaal@woodwize.example.org"},
    {"code": "ELEKTRO", "name": "Elektrotechniek (Volta)", "email": "duaal@volta.example.org"},
    {"code": "METAAL", "name": "Metaal & technologie", "email": "duaal@metaal.example.org"},
    {"code": "MOBILITEIT", "name": "Mobiliteit (Educam)", "email": "duaal@educam.example.org"},
    {"code": "CHEMIE", "name": "Chemie & life sciences", "email": "duaal@chemie.example.org"},
    {"code": "GRAFISCH", "name": "Grafische communicatie & textiel",
     "email": "duaal@grafisch.example.org"},
    {"code": "LOGISTIEK", "name": "Logistiek & transport", "email": "duaal@logistiek.example.org"},
    {"code": "ZORG", "name": "Zorg & welzijn", "email": "duaal@zorg.example.org"},
    {"code": "HORECA", "name": "Horeca", "email": "duaal@horeca.example.org",
     "allows_part_time_employment": True},
    {"code": "HANDEL", "name": "Handel", "email": "duaal@handel.example.org",
     "allows_part_time_employment": True},
]

W, S, B = "workplace", "school", "both"

# The kind of agreement each sector's programmes use (DOMAIN.md: fixed per programme). The
# chemistry programmes keep a workplace part under 20 hours (SAO); horeca, where the social
# Maribel applies, employs part-time; the others train under an OAO.
SECTOR_AGREEMENT_KIND = {"CHEMIE": "internship", "HORECA": "part_time_employment"}


def programme_kind(sector: str) -> str:
    """The demo programme's kind of agreement."""
    return SECTOR_AGREEMENT_KIND.get(sector, "alternating_training")


def demo_hours(sector: str, drawn: float) -> float:
    """Workplace hours a week that fit the programme's kind: under 20 for an SAO."""
    return 16.0 if programme_kind(sector) == "internship" else drawn

# Competence clusters every programme of the sector shares.
SECTOR_COMPETENCIES: dict[str, list[tuple[str, str]]] = {
    "BOUW": [("Veilig, ergonomisch en milieubewust werken op de bouwplaats", W),
             ("Bouwplannen, meetstaten en werkdocumenten lezen", S),
             ("Samenwerken en communiceren in een bouwteam", B)],
    "HOUT": [("Veilig werken met houtbewerkingsmachines", W),
             ("Werktekeningen en stuklijsten lezen en opmaken", S),
             ("Materialen kiezen, bestellen en stockeren", B)],
    "ELEKTRO": [("Veilig werken volgens het AREI", B),
                ("Elektrische schema's lezen en tekenen", S),
                ("Klantgericht werken bij een installatie", W)],
    "METAAL": [("Veilig werken in een productieomgeving", W),
               ("Technische tekeningen en werkvoorbereiding", S),
               ("Kwaliteitscontrole en meten", B)],
    "MOBILITEIT": [("Veilig werken in de werkplaats", W),
                   ("Technische documentatie en diagnosegegevens raadplegen", S),
                   ("Klantgericht werken aan de balie en in de werkplaats", W)],
    "CHEMIE": [("Veilig werken met gevaarlijke stoffen (GHS)", B),
               ("Analyseresultaten rapporteren", S),
               ("Werken volgens GMP en procedures", W)],
    "GRAFISCH": [("Opdrachten van klanten interpreteren", W),
                 ("Kleur, materiaal en vormgeving", S),
                 ("Productiekwaliteit bewaken", W)],
    "LOGISTIEK": [("Veilig werken in een logistieke omgeving", W),
                  ("Vervoers- en voorraaddocumenten verwerken", S),
                  ("Klantgericht communiceren", B)],
    "ZORG": [("Hygiënisch en ergonomisch werken", W),
             ("Communiceren met zorgvragers en hun omgeving", B),
             ("Deontologie en beroepsgeheim", S)],
    "HORECA": [("Hygiëne en voedselveiligheid (HACCP)", B),
               ("Gastvrij en klantgericht werken", W),
               ("Werkplanning en mise-en-place", W)],
    "HANDEL": [("Klanten onthalen en adviseren", W),
               ("Kassa- en betaalverrichtingen", W),
               ("Productkennis en assortiment", S)],
}

# (code, name, sector, track, STEM label, level, programme-specific competence clusters).
# STEM programmes: Bijlage 10 of seed 004 ("Studiedomein STEM = studierichting 2e en 3e graad
# per finaliteit"); the last block are common non-STEM dual programmes for the other sectors.
PROGRAMMES: list[tuple[str, str, str, str, str, str, list[tuple[str, str]]]] = [
    ("CH-BIO", "Biotechnieken", "CHEMIE", AD, "stem", "secundair",
     [("Laboratoriumtoestellen bedienen en onderhouden", W), ("Microbiologische technieken", S)]),
    ("CH-BCT", "Biotechnologische en chemische technieken", "CHEMIE", AD, "stem", "secundair",
     [("Chemische analyses uitvoeren", W), ("Biotechnologische processen opvolgen", W),
      ("Staalname en staalvoorbereiding", B)]),
    ("CH-BSW", "Biotechnologische STEM-wetenschappen", "CHEMIE", D, "stem", "secundair",
     [("Onderzoeksmatig werken in het labo", S), ("Meetgegevens verwerken", W)]),
    ("BW-BOUW", "Bouw", "BOUW", A, "stem", "secundair",
     [("Eenvoudig metselwerk uitvoeren", W), ("Basistechnieken betonwerk", W)]),
    ("BW-AFW", "Afwerking bouw", "BOUW", A, "stem", "secundair",
     [("Bepleisteren en afwerken van wanden", W), ("Tegels en vloeren plaatsen", W),
      ("Isolatie en gipskartonwanden plaatsen", W)]),
    ("BW-BPM", "Bouwplaatsmachinist", "BOUW", A, "stem", "secundair",
     [("Grondverzetmachines bedienen", W), ("Dagelijks onderhoud van bouwmachines", W)]),
    ("BW-RUW", "Ruwbouw", "BOUW", A, "stem", "secundair",
     [("Metselwerk uitvoeren", W), ("Bekistingen en wapeningen plaatsen", W),
      ("Funderingen en rioleringen aanleggen", W)]),
    ("BW-BTE", "Bouwtechnieken", "BOUW", AD, "stem", "secundair",
     [("Bouwprojecten voorbereiden en calculeren", S), ("Werfopvolging ondersteunen", W)]),
    ("BW-BWE", "Bouwwetenschappen", "BOUW", D, "stem", "secundair",
     [("Stabiliteit en bouwfysica", S), ("Digitaal tekenen (BIM)", W)]),
    ("BW-BHW", "Bouw- en houtwetenschappen", "BOUW", D, "stem", "secundair",
     [("Constructieberekeningen", S), ("Ontwerpen met CAD", W)]),
    ("BW-SCH", "Schilderen en decoratie", "BOUW", A, "stem", "secundair",
     [("Ondergronden voorbehandelen", W), ("Verven en decoratieve technieken aanbrengen", W)]),
    ("BW-SVI", "Sanitaire en verwarmingsinstallaties", "BOUW", A, "stem", "secundair",
     [("Sanitaire leidingen plaatsen", W), ("Verwarmingsinstallaties monteren", W)]),
    ("HT-HOUT", "Hout", "HOUT", A, "stem", "secundair",
     [("Basisverbindingen in hout maken", W), ("Houtbewerkingsmachines instellen", W)]),
    ("HT-BBS", "Binnen- en buitenschrijnwerk", "HOUT", A, "stem", "secundair",
     [("Ramen en deuren vervaardigen", W), ("Schrijnwerk plaatsen op de werf", W),
      ("Trappen en beschotten maken", W)]),
    ("HT-BSI", "Binnenschrijnwerk en interieur", "HOUT", A, "stem", "secundair",
     [("Meubelen en interieurelementen maken", W), ("Afwerken en monteren bij de klant", W)]),
    ("HT-HTE", "Houttechnieken", "HOUT", AD, "stem", "secundair",
     [("CNC-bewerkingen programmeren", W), ("Productieplanning in een houtbedrijf", S)]),
    ("EL-ELEK", "Elektriciteit", "ELEKTRO", A, "stem", "secundair",
     [("Eenvoudige huishoudelijke installaties aanleggen", W),
      ("Meten aan elektrische kringen", S)]),
    ("EL-DCN", "Datacommunicatie en netwerkinstallatie", "ELEKTRO", A, "stem", "secundair",
     [("Netwerkbekabeling trekken en afmonteren", W), ("Netwerkapparatuur configureren", W)]),
    ("EL-EIN", "Elektrische installaties", "ELEKTRO", A, "stem", "secundair",
     [("Residentiële installaties aanleggen", W), ("Verdeelborden bekabelen", W),
      ("Installaties keuren en storingen opsporen", B)]),
    ("EL-KOE", "Koelinstallaties", "ELEKTRO", A, "stem", "secundair",
     [("Koelinstallaties monteren en vullen", W), ("Veilig werken met koudemiddelen", B)]),
    ("EL-POD", "Podiuminstallaties", "ELEKTRO", A, "stem", "secundair",
     [("Licht- en geluidsinstallaties opbouwen", W), ("Rigging en veilig hijsen", W)]),
    ("EL-KWT", "Koel- en warmtetechnieken", "ELEKTRO", AD, "stem", "secundair",
     [("Warmtepompen in dienst stellen", W), ("Energieprestaties berekenen", S)]),
    ("EL-ETE", "Elektrotechnieken", "ELEKTRO", AD, "stem", "secundair",
     [("Sturingen met PLC programmeren", W), ("Industriële installaties aanleggen", W)]),
    ("EL-ELT", "Elektronicatechnieken", "ELEKTRO", AD, "stem", "secundair",
     [("Elektronische schakelingen bouwen en testen", W), ("Microcontrollers programmeren", S)]),
    ("MT-POM", "Preventief onderhoud machines en installaties", "METAAL", A, "stem",
     "secundair",
     [("Onderhoudsplannen uitvoeren", W), ("Storingen diagnosticeren", W)]),
    ("MT-PRI", "Productie industrie", "METAAL", A, "stem", "secundair",
     [("Productielijnen bedienen", W), ("Omstellen en bijregelen van machines", W)]),
    ("MT-EMT", "Elektromechanische technieken", "METAAL", AD, "stem", "secundair",
     [("Elektromechanische systemen monteren", W), ("Pneumatische en hydraulische sturingen", W),
      ("Foutzoeken in geautomatiseerde installaties", B)]),
    ("MT-ADB", "Applicatie- en databeheer", "METAAL", AD, "stem", "secundair",
     [("Databanken beheren", W), ("Applicaties installeren en ondersteunen", W)]),
    ("MT-IICT", "Industriële ICT", "METAAL", AD, "stem", "secundair",
     [("Industriële netwerken configureren", W), ("Procesdata verzamelen en analyseren", S)]),
    ("MT-TW", "Technologische wetenschappen", "METAAL", D, "stem", "secundair",
     [("Technisch ontwerpen en prototypen", S), ("Onderzoeksproject in een bedrijf", W)]),
    ("MT-ICT", "Informatica en communicatietechnologie", "METAAL", D, "stem", "secundair",
     [("Programmeren", S), ("Softwareproject in teamverband", W)]),
    ("MT-MTR", "Mechatronica", "METAAL", D, "stem", "secundair",
     [("Mechatronische systemen analyseren", S), ("Robotcellen programmeren", W)]),
    ("MT-TWE", "Technologische wetenschappen en engineering", "METAAL", D, "stem", "secundair",
     [("Engineeringproject uitwerken", S), ("Technische rapportering", W)]),
    ("MT-MECH", "Mechanica", "METAAL", A, "stem", "secundair",
     [("Verspanende bewerkingen uitvoeren", W), ("Eenvoudige assemblages monteren", W)]),
    ("MT-LAS", "Lassen-constructie", "METAAL", A, "stem", "secundair",
     [("MIG/MAG-lassen", W), ("TIG-lassen", W), ("Constructies samenstellen volgens plan", W)]),
    ("MT-MVG", "Mechanische vormgeving", "METAAL", A, "stem", "secundair",
     [("CNC-draaien en -frezen", W), ("Meten en controleren van werkstukken", B)]),
    ("MT-MTE", "Mechanische technieken", "METAAL", AD, "stem", "secundair",
     [("CAD/CAM-programmering", W), ("Werkvoorbereiding en planning", S)]),
    ("MT-MVT", "Mechanische vormgevingstechnieken", "METAAL", AD, "stem", "secundair",
     [("Complexe CNC-bewerkingen", W), ("Productieprocessen optimaliseren", S)]),
    ("MO-KOE", "Koetswerk", "MOBILITEIT", A, "stem", "secundair",
     [("Koetswerkschade herstellen", W), ("Voorbereiden voor het spuiten", W)]),
    ("MO-OMA", "Onderhoudsmechanica auto", "MOBILITEIT", A, "stem", "secundair",
     [("Onderhoudsbeurten uitvoeren", W), ("Remmen, banden en ophanging vervangen", W)]),
    ("MO-AUT", "Autotechnieken", "MOBILITEIT", AD, "stem", "secundair",
     [("Elektronische diagnose op voertuigen", W), ("Hybride en elektrische aandrijving", B)]),
    ("MO-VTE", "Voertuigtechnieken", "MOBILITEIT", AD, "stem", "secundair",
     [("Motoren en transmissies herstellen", W), ("Voertuigelektriciteit", S)]),
    ("GR-PM", "Printmedia", "GRAFISCH", A, "stem", "secundair",
     [("Drukpersen instellen", W), ("Afwerken van drukwerk", W)]),
    ("GR-GT", "Grafische technieken", "GRAFISCH", AD, "stem", "secundair",
     [("Prepress en bestandscontrole", W), ("Kleurbeheer", S)]),
    ("GR-CM", "Crossmedia", "GRAFISCH", AD, "stem", "secundair",
     [("Content voor print en web aanmaken", W), ("Webpagina's opmaken", S)]),
    ("GR-GM", "Grafimedia", "GRAFISCH", A, "stem", "secundair",
     [("Digitaal drukken", W), ("Lay-out en opmaak", W)]),
    ("GR-TX", "Textiel", "GRAFISCH", A, "stem", "secundair",
     [("Textielmachines bedienen", W), ("Patronen lezen en stoffen snijden", W)]),
    ("GR-TOP", "Textielontwerp en prototypering", "GRAFISCH", AD, "stem", "secundair",
     [("Prototypes maken", W), ("Technische fiches opstellen", S)]),
    ("LG-VRA", "Vrachtwagenchauffeur", "LOGISTIEK", A, "stem", "secundair",
     [("Vrachtwagen veilig besturen (rijbewijs C)", W), ("Laden, lossen en ladingzekering", W)]),
    ("LG-BV", "Binnenvaart", "LOGISTIEK", A, "stem", "secundair",
     [("Dekwerkzaamheden uitvoeren", W), ("Aanleggen en afmeren", W)]),
    ("LG-BVK", "Binnenvaart en beperkte kustvaart", "LOGISTIEK", A, "stem", "secundair",
     [("Wachtlopen en navigatie", W), ("Scheepsmotoren onderhouden", W)]),
    ("LG-BVT", "Binnenvaarttechnieken", "LOGISTIEK", AD, "stem", "secundair",
     [("Navigatie en radar", S), ("Stuurhuiswerkzaamheden", W)]),
    ("LG-ZV", "Zeevaart en zeevisserij", "LOGISTIEK", A, "stem", "secundair",
     [("Werken aan dek", W), ("Vangst verwerken en bewaren", W)]),
    ("LG-MAR", "Maritieme technieken (dek/motoren)", "LOGISTIEK", AD, "stem", "secundair",
     [("Scheepsmachines bedienen", W), ("Maritieme veiligheid", S)]),
    # Outside Bijlage 10: common dual programmes of the non-STEM sectors.
    ("ZW-VZ", "Verzorging", "ZORG", A, "stem_zorg", "secundair",
     [("Basiszorg verlenen", W), ("Huishoudelijke ondersteuning", W)]),
    ("ZW-ZK", "Zorgkundige", "ZORG", A, "stem_zorg", "secundair_volwassenen",
     [("Verpleegtechnische handelingen uitvoeren", W), ("Observeren en rapporteren", B)]),
    ("ZW-KB", "Kinderbegeleider", "ZORG", A, "niet_stem", "secundair_volwassenen",
     [("Kinderen begeleiden in de groep", W), ("Contact met ouders", W)]),
    ("HO-RK", "Restaurant en keuken", "HORECA", A, "niet_stem", "secundair",
     [("Bereidingen uit de klassieke keuken", W), ("Bediening in de zaal", W)]),
    ("HO-KM", "Keukenmedewerker", "HORECA", A, "niet_stem", "secundair",
     [("Basisbereidingen maken", W), ("Afwas en keukenhygiëne", W)]),
    ("HA-VK", "Verkoop", "HANDEL", A, "niet_stem", "secundair",
     [("Verkoopgesprekken voeren", W), ("Goederen ontvangen en aanvullen", W)]),
    ("HA-WBE", "Winkelbeheer en etalage", "HANDEL", A, "niet_stem", "secundair",
     [("Etalages en presentaties inrichten", W), ("Winkeladministratie", S)]),
    ("LG-LOG", "Logistiek", "LOGISTIEK", A, "niet_stem", "secundair",
     [("Orders verzamelen en verzenden", W), ("Heftruck besturen", W)]),
]

# Share of girls per sector (roughly as in Flemish enrolment figures) and relative popularity.
FEMALE_SHARE = {"BOUW": 0.03, "HOUT": 0.05, "ELEKTRO": 0.04, "METAAL": 0.07, "MOBILITEIT": 0.05,
                "CHEMIE": 0.42, "GRAFISCH": 0.45, "LOGISTIEK": 0.12, "ZORG": 0.85,
                "HORECA": 0.45, "HANDEL": 0.6}
POPULARITY = {"BOUW": 14, "HOUT": 5, "ELEKTRO": 12, "METAAL": 12, "MOBILITEIT": 10, "CHEMIE": 3,
              "GRAFISCH": 3, "LOGISTIEK": 6, "ZORG": 15, "HORECA": 11, "HANDEL": 9}
TRACK_WEIGHT = {A: 1.0, AD: 0.6, D: 0.05}

PLACES = [
    ("9000", "Gent"), ("9050", "Gentbrugge"), ("9820", "Merelbeke"), ("9300", "Aalst"),
    ("9200", "Dendermonde"), ("9100", "Sint-Niklaas"), ("9400", "Ninove"), ("9700", "Oudenaarde"),
    ("9900", "Eeklo"), ("2000", "Antwerpen"), ("2018", "Antwerpen"), ("2030", "Antwerpen"),
    ("2100", "Deurne"), ("2800", "Mechelen"), ("2300", "Turnhout"), ("2500", "Lier"),
    ("2440", "Geel"), ("3000", "Leuven"), ("3500", "Hasselt"), ("3600", "Genk"),
    ("3800", "Sint-Truiden"), ("3290", "Diest"), ("1800", "Vilvoorde"), ("1500", "Halle"),
    ("1700", "Dilbeek"), ("1000", "Brussel"), ("1020", "Laken"), ("1030", "Schaarbeek"),
    ("1070", "Anderlecht"), ("1080", "Sint-Jans-Molenbeek"), ("1210", "Sint-Joost-ten-Node"),
    ("8000", "Brugge"), ("8400", "Oostende"), ("8500", "Kortrijk"), ("8800", "Roeselare"),
    ("8700", "Tielt"), ("8900", "Ieper"),
]

# ---------------------------------------------------------------------------------------------
# the demo data set

SCHOOLS: list[dict[str, Any]] = [
    {"key": "gent", "name": "Technisch Instituut Sint-Pieter Gent", "institution_number": "031542",
     "kind": "secondary", "street": "Kortrijksesteenweg 214", "postcode": "9000",
     "municipality": "Gent", "email": "duaal@ti-sintpieter.example.com",
     "phone": "09 221 43 10",
     "reachability": "Op werkplekdagen: de trajectbegeleider via 09 221 43 10 (8.00-16.30 uur) "
                     "of duaal@ti-sintpieter.example.com. Tijdens de schoolvakanties: "
                     "permanentie op maandag en donderdag van 9 tot 12 uur op 09 221 43 10."},
    {"key": "antwerpen", "name": "Campus De Vesten Antwerpen", "institution_number": "027318",
     "kind": "secondary", "street": "Lange Leemstraat 88", "postcode": "2018",
     "municipality": "Antwerpen", "email": "duaal@devesten.example.com",
     "phone": "03 218 77 40"},
    {"key": "brussel", "name": "Technisch Atheneum Brussel-Noord", "institution_number": "046107",
     "kind": "secondary", "street": "Lakensestraat 61", "postcode": "1000",
     "municipality": "Brussel", "email": "duaal@ta-brusselnoord.example.com",
     "phone": "02 219 55 81"},
    {"key": "cvo", "name": "CVO Scheldeland", "institution_number": "125963",
     "kind": "adult_education", "street": "Noordlaan 24", "postcode": "9200",
     "municipality": "Dendermonde", "email": "info@cvo-scheldeland.example.com",
     "phone": "052 25 80 30", "evaluation_interval_weeks": 8},
    {"key": "syntra", "name": "Syntra West campus Brugge", "institution_number": "087421",
     "kind": "syntra", "street": "Spoorwegstraat 14", "postcode": "8200",
     "municipality": "Brugge", "email": "leertijd@syntra-brugge.example.com",
     "phone": "050 40 30 20", "evaluation_interval_weeks": 8},
]

# Programmes each demo school offers, with how many learners follow them this school year.
SCHOOL_OFFER: dict[str, list[tuple[str, int]]] = {
    "gent": [("BW-RUW", 3), ("BW-AFW", 2), ("HT-BBS", 1), ("EL-EIN", 3), ("MT-LAS", 2),
             ("CH-BCT", 2), ("ZW-VZ", 3)],
    "antwerpen": [("BW-RUW", 1), ("HT-BBS", 1), ("HT-BSI", 1), ("EL-ETE", 3), ("MO-OMA", 3),
                  ("MO-AUT", 2), ("HO-RK", 3), ("LG-LOG", 1)],
    "brussel": [("MO-KOE", 2), ("EL-EIN", 2), ("HA-VK", 3), ("ZW-VZ", 2), ("HO-RK", 2)],
    "cvo": [("ZW-ZK", 4), ("ZW-KB", 3), ("LG-VRA", 2)],
    "syntra": [("BW-AFW", 1), ("BW-SCH", 1), ("EL-KOE", 2), ("GR-GM", 2), ("HA-VK", 2),
               ("HO-RK", 2), ("MO-OMA", 2), ("MT-MVG", 1)],
}

# Demo companies: (key, KBO serial, name, legal form, sector, contact, [(site key, site serial,
# site name, street, postcode, municipality)], [(site key, programme code)], mentors).
# A mentor: (key, first name, last name, function, profile) - profiles are defined below.
COMPANIES: list[dict[str, Any]] = [
    {"key": "vandamme", "serial": 4418273, "name": "Bouwbedrijf Van Damme", "form": "NV",
     "sector": "BOUW", "contact": ("Katrien", "Van Damme"),
     "sites": [("zetel", 1184302, "Van Damme zetel Gent", "Afrikalaan 190", "9000", "Gent"),
               ("werkplaats", 1184303, "Van Damme werkplaats Merelbeke",
                "Hundelgemsesteenweg 602", "9820", "Merelbeke"),
               ("antwerpen", 1184304, "Van Damme werf Antwerpen-Noord", "Noorderlaan 112",
                "2030", "Antwerpen")],
     "recognitions": [("zetel", "BW-RUW"), ("werkplaats", "BW-AFW"), ("antwerpen", "HT-BBS"),
                      ("antwerpen", "BW-RUW"), ("werkplaats", "HT-BBS")],
     "open_recognitions": [("zetel", "BW-BTE", "in_review", 6)],
     "mentors": [("demo", "Koen", "De Smet", "Ploegbaas ruwbouw", "eligible"),
                 ("m2", "Sofie", "Verhelst", "Werfleider", "eligible"),
                 ("m3", "Wim", "Claeys", "Meestergast schrijnwerk", "eligible"),
                 ("m4", "Jonas", "Van Damme", "Metselaar", "too_young"),
                 ("m5", "Bart", "Lievens", "Tegelzetter", "training_overdue"),
                 ("m6", "Ilse", "Maes", "Werfleider", "training_pending")]},
    {"key": "claeys", "serial": 4523817, "name": "Dakwerken en Renovatie Claeys", "form": "BV",
     "sector": "BOUW", "contact": ("Marc", "Claeys"),
     "sites": [("brugge", 1201456, "Claeys Brugge", "Legeweg 201", "8000", "Brugge")],
     "recognitions": [("brugge", "BW-AFW"), ("brugge", "BW-SCH")],
     "mentors": [("m1", "Dirk", "Vandenberghe", "Zaakvoerder", "eligible"),
                 ("m2", "Lotte", "Claeys", "Schilder-decorateur", "eligible"),
                 ("m3", "Jelle", "Vermeersch", "Dakwerker", "eligible")]},
    {"key": "peeters", "serial": 4732115, "name": "Aannemingen Peeters & Zonen", "form": "NV",
     "sector": "BOUW", "contact": ("Tom", "Peeters"),
     "sites": [("hasselt", 1215003, "Peeters Hasselt", "Kempische Steenweg 300", "3500",
                "Hasselt"),
               ("gent", 1215004, "Peeters depot Gent", "Port Arthurlaan 44", "9000", "Gent")],
     "recognitions": [("gent", "BW-RUW"), ("hasselt", "BW-BPM"), ("hasselt", "BW-RUW")],
     "open_recognitions": [("gent", "BW-SVI", "submitted", 21)],
     "mentors": [("m1", "Patrick", "Peeters", "Werfleider", "eligible"),
                 ("m2", "Yusuf", "Demir", "Ploegbaas", "eligible"),
                 ("m4", "Ruben", "Hendrickx", "Metselaar", "eligible"),
                 ("m3", "Geert", "Wouters", "Machinist", "no_record_check")]},
    {"key": "mertens", "serial": 4391862, "name": "Schrijnwerkerij Mertens", "form": "BV",
     "sector": "HOUT", "contact": ("An", "Mertens"),
     "sites": [("aalst", 1198770, "Mertens Aalst", "Dendermondsesteenweg 77", "9300", "Aalst")],
     "recognitions": [("aalst", "HT-BSI"), ("aalst", "HT-HTE"), ("aalst", "HT-BBS")],
     "mentors": [("m1", "Luc", "Mertens", "Zaakvoerder", "eligible")]},
    {"key": "wouters", "serial": 4287345, "name": "Elektro Wouters", "form": "BV",
     "sector": "ELEKTRO", "contact": ("Nathalie", "Wouters"),
     "sites": [("antwerpen", 1176011, "Elektro Wouters Antwerpen", "Boomsesteenweg 41", "2018",
                "Antwerpen"),
               ("gent", 1176012, "Elektro Wouters Gent", "Nieuwevaart 118", "9000", "Gent")],
     "recognitions": [("antwerpen", "EL-ETE"), ("gent", "EL-EIN"), ("antwerpen", "EL-EIN")],
     "open_recognitions": [("gent", "EL-ETE", "submitted", 3)],
     "mentors": [("m1", "Stijn", "Wouters", "Projectleider", "eligible"),
                 ("m2", "Hanne", "Jacobs", "Elektrotechnicus", "eligible"),
                 ("m3", "Kevin", "Aerts", "Installateur", "eligible")]},
    {"key": "goossens", "serial": 4610934, "name": "Installatietechniek Goossens", "form": "NV",
     "sector": "ELEKTRO", "contact": ("Peter", "Goossens"),
     "sites": [("brugge", 1230987, "Goossens Brugge", "Blankenbergse Steenweg 15", "8000",
                "Brugge"),
               ("brussel", 1230988, "Goossens Brussel", "Havenlaan 86", "1000", "Brussel")],
     "recognitions": [("brugge", "EL-KOE"), ("brugge", "EL-KWT"), ("brussel", "EL-EIN")],
     "withdrawn_recognitions": [("brussel", "EL-KOE",
                                 "De koelafdeling in Brussel is gesloten; geen mentor meer.")],
     "mentors": [("m1", "Rudi", "Goossens", "Technisch directeur", "eligible"),
                 ("m2", "Samira", "El Amrani", "Servicetechnicus", "eligible")]},
    {"key": "verhaeghe", "serial": 4150672, "name": "Metaalconstructies Verhaeghe", "form": "NV",
     "sector": "METAAL", "contact": ("Frederik", "Verhaeghe"),
     "sites": [("kortrijk", 1143300, "Verhaeghe Kortrijk", "Kortrijksestraat 455", "8500",
                "Kortrijk"),
               ("gent", 1143301, "Verhaeghe Gent Zeehaven", "John Kennedylaan 9", "9000",
                "Gent")],
     "recognitions": [("kortrijk", "MT-LAS"), ("kortrijk", "MT-MVG"), ("gent", "MT-LAS")],
     "mentors": [("m1", "Johan", "Verhaeghe", "Productieleider", "eligible"),
                 ("m2", "Ann", "Desmet", "Kwaliteitsverantwoordelijke", "eligible")]},
    {"key": "maes", "serial": 4856201, "name": "Garage Maes", "form": "BV",
     "sector": "MOBILITEIT", "contact": ("Kristof", "Maes"),
     "sites": [("mechelen", 1250112, "Garage Maes Mechelen", "Liersesteenweg 130", "2800",
                "Mechelen"),
               ("brugge", 1250113, "Garage Maes Brugge", "Gistelse Steenweg 300", "8200",
                "Brugge")],
     "recognitions": [("mechelen", "MO-OMA"), ("mechelen", "MO-AUT"), ("brugge", "MO-OMA")],
     "open_recognitions": [("brugge", "MO-AUT", "in_review", 10)],
     "mentors": [("m1", "Kristof", "Maes", "Chef werkplaats", "eligible"),
                 ("m2", "Dries", "Pauwels", "Diagnosetechnicus", "eligible")]},
    {"key": "willems", "serial": 4672390, "name": "Carrosserie Willems", "form": "BV",
     "sector": "MOBILITEIT", "contact": ("Saïd", "Benali"),
     "sites": [("anderlecht", 1262241, "Carrosserie Willems Anderlecht", "Bergensesteenweg 700",
                "1070", "Anderlecht")],
     "recognitions": [("anderlecht", "MO-KOE"), ("anderlecht", "MO-OMA")],
     "mentors": [("m1", "Saïd", "Benali", "Carrossier", "eligible")]},
    {"key": "biolab", "serial": 4920411, "name": "BioLab Zwijnaarde", "form": "NV",
     "sector": "CHEMIE", "contact": ("Eline", "Van Hecke"),
     "sites": [("zwijnaarde", 1271150, "BioLab Zwijnaarde", "Technologiepark 21", "9052",
                "Zwijnaarde")],
     "recognitions": [("zwijnaarde", "CH-BCT"), ("zwijnaarde", "CH-BIO")],
     "mentors": [("m1", "Eline", "Van Hecke", "Labo-verantwoordelijke", "eligible"),
                 ("m2", "Pieter", "Dhondt", "Laborant", "eligible")]},
    {"key": "vermeulen", "serial": 4502278, "name": "Drukkerij Vermeulen", "form": "NV",
     "sector": "GRAFISCH", "contact": ("Griet", "Vermeulen"),
     "sites": [("tielt", 1208834, "Drukkerij Vermeulen Tielt", "Deinzestraat 50", "8700",
                "Tielt")],
     "recognitions": [("tielt", "GR-GM"), ("tielt", "GR-PM")],
     "mentors": [("m1", "Griet", "Vermeulen", "Productieleider", "eligible")]},
    {"key": "lambrechts", "serial": 4335519, "name": "Transport Lambrechts", "form": "NV",
     "sector": "LOGISTIEK", "contact": ("Stefaan", "Lambrechts"),
     "sites": [("antwerpen", 1166720, "Lambrechts Antwerpen Haven", "Haven 1050", "2030",
                "Antwerpen"),
               ("dendermonde", 1166721, "Lambrechts Dendermonde", "Zeelsebaan 88", "9200",
                "Dendermonde")],
     "recognitions": [("antwerpen", "LG-LOG"), ("dendermonde", "LG-VRA"),
                      ("dendermonde", "LG-LOG")],
     "refused_recognitions": [("antwerpen", "LG-VRA",
                               "Er is geen mentor met een rijbewijs C en de vereiste ervaring.")],
     "mentors": [("m1", "Stefaan", "Lambrechts", "Transportplanner", "eligible"),
                 ("m2", "Nadia", "Bouzid", "Magazijnverantwoordelijke", "eligible")]},
    {"key": "terlinde", "serial": 4470163, "name": "Woonzorgcentrum Ter Linde", "form": "VZW",
     "sector": "ZORG", "contact": ("Evelien", "De Clercq"),
     "sites": [("gent", 1205519, "WZC Ter Linde", "Groenestaakstraat 15", "9000", "Gent"),
               ("dendermonde", 1205520, "WZC Ter Linde Dendermonde", "Brusselsestraat 40",
                "9200", "Dendermonde")],
     "recognitions": [("gent", "ZW-VZ"), ("dendermonde", "ZW-ZK"), ("gent", "ZW-ZK")],
     "mentors": [("m1", "Evelien", "De Clercq", "Hoofdverpleegkundige", "eligible"),
                 ("m2", "Marleen", "Van Acker", "Zorgkundige", "eligible"),
                 ("m3", "Fatima", "Ouali", "Teamcoach", "eligible")]},
    {"key": "zorgnet", "serial": 4781046, "name": "Zorgnet Brussel", "form": "VZW",
     "sector": "ZORG", "contact": ("Hilde", "Dewulf"),
     "sites": [("laken", 1259906, "Zorgnet Brussel campus Laken", "Houba de Strooperlaan 300",
                "1020", "Laken")],
     "recognitions": [("laken", "ZW-VZ"), ("laken", "ZW-ZK")],
     "mentors": [("m1", "Hilde", "Dewulf", "Verpleegkundige", "eligible"),
                 ("m2", "Amina", "Haddou", "Zorgkundige", "eligible")]},
    {"key": "speelboom", "serial": 4903387, "name": "Kinderopvang De Speelboom", "form": "VZW",
     "sector": "ZORG", "contact": ("Leen", "Smets"),
     "sites": [("dendermonde", 1268841, "De Speelboom Dendermonde", "Oude Vest 12", "9200",
                "Dendermonde")],
     "recognitions": [("dendermonde", "ZW-KB")],
     "mentors": [("m1", "Leen", "Smets", "Verantwoordelijke kinderopvang", "eligible"),
                 ("m2", "Sarah", "Coppens", "Kinderbegeleider", "eligible")]},
    {"key": "pakhuis", "serial": 4589904, "name": "Brasserie 't Pakhuis", "form": "BV",
     "sector": "HORECA", "contact": ("Bram", "Hermans"),
     "sites": [("antwerpen", 1219943, "Brasserie 't Pakhuis", "Vlaamse Kaai 76", "2000",
                "Antwerpen")],
     "recognitions": [("antwerpen", "HO-RK")],
     "mentors": [("m1", "Bram", "Hermans", "Chef-kok", "eligible"),
                 ("m2", "Elke", "Goris", "Zaalverantwoordelijke", "eligible")]},
    {"key": "terduinen", "serial": 4640275, "name": "Hotel Ter Duinen", "form": "NV",
     "sector": "HORECA", "contact": ("Joris", "Vandewalle"),
     "sites": [("brugge", 1233377, "Hotel Ter Duinen Brugge", "Langerei 52", "8000", "Brugge"),
               ("brussel", 1233378, "Ter Duinen Brussel Centrum", "Kolenmarkt 17", "1000",
                "Brussel")],
     "recognitions": [("brugge", "HO-RK"), ("brussel", "HO-RK")],
     "mentors": [("m1", "Joris", "Vandewalle", "Keukenchef", "eligible"),
                 ("m2", "Liesbeth", "Vandaele", "F&B-manager", "eligible")]},
    {"key": "delvaux", "serial": 4826650, "name": "Buurtsuper Delvaux", "form": "BV",
     "sector": "HANDEL", "contact": ("Olivier", "Delvaux"),
     "sites": [("brussel", 1249008, "Delvaux Brussel", "Antoine Dansaertstraat 120", "1000",
                "Brussel"),
               ("brugge", 1249009, "Delvaux Brugge", "Smedenstraat 30", "8000", "Brugge")],
     "recognitions": [("brussel", "HA-VK"), ("brugge", "HA-VK"), ("brussel", "HA-WBE")],
     "mentors": [("m1", "Olivier", "Delvaux", "Winkelverantwoordelijke", "eligible"),
                 ("m2", "Charlotte", "Lemmens", "Afdelingschef", "eligible")]},
]

# Mentor profiles: (birth year offset from this year, experience, qualification,
# months since appointment, months from appointment to training (None: not yet),
# record check on file). The failing ones give the eligibility screens something to show.
MENTOR_PROFILES: dict[str, tuple[int, int, bool, int, int | None, bool]] = {
    "eligible": (-44, 15, False, 62, 3, True),
    "too_young": (-22, 4, True, 8, 2, True),
    "training_overdue": (-38, 12, False, 14, None, True),
    "training_pending": (-33, 8, False, 3, None, True),
    "no_record_check": (-47, 20, False, 20, 4, False),
}

# The placements of the demo mentor: one learner from Gent (Ruwbouw, construction sector) and
# one from Antwerpen (Binnen- en buitenschrijnwerk, wood sector), so he sees two schools.
# His company is in construction (cap: 1 learner per mentor); the second learner follows a
# wood-sector programme, which that cap does not govern: a sector's cap counts the learners of
# its own programmes only.
DEMO_MENTOR_LEARNERS = [("gent", "BW-RUW", "zetel"), ("antwerpen", "HT-BBS", "antwerpen")]

STOPPED_THIS_YEAR = {("gent", "ZW-VZ"), ("antwerpen", "HO-RK")}

PAST_YEARS_PER_SCHOOL = {"gent": 6, "antwerpen": 5, "brussel": 3, "cvo": 3, "syntra": 4}


class _Loader:
    """Get-or-create by natural key, counting what was created."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: Counter[str] = Counter()

    def index(self, model: type[SQLModel], keys: Sequence[str], *where) -> dict[tuple, Any]:
        """Existing rows of `model` matching `where`, keyed by the `keys` columns."""
        rows = self.session.execute(select(model).where(*where)).scalars()
        return {tuple(getattr(row, key) for key in keys): row for row in rows}

    def ensure(self, index: dict[tuple, Any], model: type[SQLModel], key: dict[str, Any],
               **values: Any) -> Any:
        """The row with this key from `index`, else a new one added to the session."""
        lookup = tuple(key.values())
        row = index.get(lookup)
        if row is None:
            row = model(**key, **values)
            self.session.add(row)
            index[lookup] = row
            self.created[model.__tablename__] += 1
        return row


def ensure_catalog(session: Session) -> dict[str, Any]:
    """Sectors, programmes and competencies (idempotent); returns them by code."""
    loader = _Loader(session)
    sector_index = loader.index(Sector, ["code"], Sector.code.in_([s["code"] for s in SECTORS]))
    sectors = {
        spec["code"]: loader.ensure(sector_index, Sector, {"code": spec["code"]},
                                    **{k: v for k, v in spec.items() if k != "code"})
        for spec in SECTORS
    }
    session.flush()
    codes = [p[0] for p in PROGRAMMES]
    programme_index = loader.index(Programme, ["code"], Programme.code.in_(codes))
    programmes = {}
    for code, name, sector, track, stem, level, _own in PROGRAMMES:
        programmes[code] = loader.ensure(
            programme_index, Programme, {"code": code}, name=name,
            sector_id=sectors[sector].id, track=track, stem_label=stem, level=level,
            agreement_kind=programme_kind(sector),
        )
    session.flush()
    ids = [p.id for p in programmes.values()]
    competency_index = loader.index(Competency, ["programme_id", "code"],
                                    Competency.programme_id.in_(ids))
    for code, _name, sector, _track, _stem, _level, own in PROGRAMMES:
        clusters = [*own, *SECTOR_COMPETENCIES[sector]]
        for position, (title, location) in enumerate(clusters, start=1):
            loader.ensure(competency_index, Competency,
                          {"programme_id": programmes[code].id, "code": f"CC{position}"},
                          position=position, title=title, location=location)
    session.flush()
    return {"sectors": sectors, "programmes": programmes, "created": loader.created}


def _mentor_facts(profile: str, reference: date, rng: random.Random) -> dict[str, Any]:
    years, experience, qualified, appointed_months_ago, trained_after, record = (
        MENTOR_PROFILES[profile]
    )
    birth = date(reference.year + years, rng.randint(1, 12), rng.randint(1, 28))
    appointed = reference - timedelta(days=30 * appointed_months_ago)
    trained = appointed + timedelta(days=30 * trained_after) if trained_after is not None else None
    return {
        "birth_date": birth,
        "experience_years": experience + rng.randint(0, 6) if profile == "eligible" else experience,
        "relevant_qualification": qualified,
        "appointed_on": appointed,
        "training_completed_on": trained,
        # A recent extract (model 596.2): at most a year old when a request is filed today.
        "record_check_on": reference - timedelta(days=45) if record else None,
    }


def load_demo(*, render_contracts: bool = True) -> dict[str, int]:
    """Load the demo data set (inside an app context); returns the rows created per table.

    Without `render_contracts` every agreement gets the quick stand-in PDF (for tests).
    """
    with db.sessionmaker() as session:
        created = _load_demo(session, today=date.today(), render_contracts=render_contracts)
        if created:
            audit.record(session, actor=None, action="demo.loaded", entity_type="demo",
                         changes=dict(sorted(created.items())), ip="")
        session.commit()
    return created


def _load_demo(session: Session, *, today: date, render_contracts: bool = True) -> dict[str, int]:
    rng = random.Random(SEED)
    fake = Faker("nl_BE")
    fake.seed_instance(SEED)
    year = school_year_of(today)
    catalog = ensure_catalog(session)
    sectors, programmes = catalog["sectors"], catalog["programmes"]
    loader = _Loader(session)
    loader.created.update(catalog["created"])

    # Schools and their holidays.
    school_index = loader.index(School, ["institution_number"], School.institution_number.in_(
        [s["institution_number"] for s in SCHOOLS]))
    schools: dict[str, School] = {}
    for spec in SCHOOLS:
        values = {k: v for k, v in spec.items() if k not in ("key", "institution_number")}
        schools[spec["key"]] = loader.ensure(
            school_index, School, {"institution_number": spec["institution_number"]},
            escalation_email="directie@" + spec["email"].split("@", 1)[1],
            **values,
        )
    session.flush()
    holiday_index = loader.index(SchoolHoliday, ["school_id", "name", "starts_on"],
                                 SchoolHoliday.school_id.in_([s.id for s in schools.values()]))
    for school in schools.values():
        for name, starts_on, ends_on in flemish_holidays(year):
            loader.ensure(holiday_index, SchoolHoliday,
                          {"school_id": school.id, "name": name, "starts_on": starts_on},
                          ends_on=ends_on)

    # Companies, sites, mentors.
    company_index = loader.index(Company, ["kbo_number"], Company.kbo_number.in_(
        [kbo_number(c["serial"]) for c in COMPANIES]))
    companies: dict[str, Company] = {}
    for spec in COMPANIES:
        first, last = spec["contact"]
        first_site = spec["sites"][0]
        companies[spec["key"]] = loader.ensure(
            company_index, Company, {"kbo_number": kbo_number(spec["serial"])},
            name=spec["name"] + f" {spec['form']}", legal_form=spec["form"],
            sector_id=sectors[spec["sector"]].id, street=first_site[3],
            postcode=first_site[4], municipality=first_site[5],
            contact_name=f"{first} {last}",
            contact_email=_email(first, last, f"{_ascii(spec['key'])}.example.com"),
            contact_phone=fake.phone_number(),
            weekly_working_hours=38,
            # The demo school registered the companies; Van Damme manages itself (own account).
            registered_by_school_id=schools["gent"].id,
        )
    session.flush()
    site_index = loader.index(Site, ["number"], Site.number.in_(
        [site_number(site[1]) for c in COMPANIES for site in c["sites"]]))
    sites: dict[tuple[str, str], Site] = {}
    for spec in COMPANIES:
        for key, serial, name, street, postcode, municipality in spec["sites"]:
            sites[spec["key"], key] = loader.ensure(
                site_index, Site, {"number": site_number(serial)},
                company_id=companies[spec["key"]].id, name=name, street=street,
                postcode=postcode, municipality=municipality,
            )
    mentor_index = loader.index(Mentor, ["company_id", "email"], Mentor.company_id.in_(
        [c.id for c in companies.values()]))
    mentors: dict[tuple[str, str], Mentor] = {}
    profiles: dict[tuple[str, str], str] = {}
    for spec in COMPANIES:
        company = companies[spec["key"]]
        for key, first, last, function, profile in spec["mentors"]:
            email = _email(first, last, f"{_ascii(spec['key'])}.example.com")
            mentors[spec["key"], key] = loader.ensure(
                mentor_index, Mentor, {"company_id": company.id, "email": email},
                first_name=first, last_name=last, function_title=function,
                phone=fake.phone_number(), **_mentor_facts(profile, today, rng),
            )
            profiles[spec["key"], key] = profile

    # Users: the five demo log-ins.
    user_index = loader.index(User, ["email"], User.email.in_([e for e, _ in DEMO_USERS]))
    password_hash = None
    missing_users = [email for email, _ in DEMO_USERS if (email,) not in user_index]
    if missing_users:
        password_hash = hash_password(DEMO_PASSWORD)
    session.flush()
    user_specs = {
        "admin@dualflow.demo": {"full_name": "Ada Beheerder", "role": "admin"},
        "coordinator@dualflow.demo": {"full_name": "Els Van den Broeck", "role": "coordinator",
                                      "school_id": schools["gent"].id, "digest": "daily"},
        "company@dualflow.demo": {"full_name": "Katrien Van Damme", "role": "company",
                                  "company_id": companies["vandamme"].id},
        "mentor@dualflow.demo": {"full_name": "Koen De Smet", "role": "mentor",
                                 "company_id": companies["vandamme"].id},
        "sector@dualflow.demo": {"full_name": "Hans Verbeke", "role": "sector",
                                 "sector_id": sectors["BOUW"].id},
    }
    users = {
        email: loader.ensure(user_index, User, {"email": email}, password_hash=password_hash,
                             **user_specs[email])
        for email, _ in DEMO_USERS
    }
    session.flush()
    demo_mentor = mentors["vandamme", "demo"]
    if demo_mentor.user_id is None:
        demo_mentor.user_id = users["mentor@dualflow.demo"].id
    coordinator = users["coordinator@dualflow.demo"]
    company_user = users["company@dualflow.demo"]
    sector_user = users["sector@dualflow.demo"]

    # Recognitions: long-standing approved ones cover every school year of the demo.
    recognition_index = loader.index(
        Recognition, ["site_id", "programme_id", "status"],
        Recognition.site_id.in_([s.id for s in sites.values()]))
    approved: dict[str, list[tuple[Recognition, str]]] = defaultdict(list)
    recognition_mentors: list[tuple[Recognition, list[Mentor]]] = []
    for n, spec in enumerate(COMPANIES):
        # Named in the recognitions: the training clock of a mentor runs from that decision.
        company_mentors = [mentors[spec["key"], m[0]] for m in spec["mentors"]
                           if profiles[spec["key"], m[0]] in ("eligible", "training_pending",
                                                              "training_overdue")]
        by_us = spec["key"] == "vandamme"
        for m, (site_key, code) in enumerate(spec["recognitions"]):
            valid_from = date(year - 4, 7, 1) + timedelta(days=7 * m + n)
            decided = _at(valid_from - timedelta(days=3))
            row = loader.ensure(
                recognition_index, Recognition,
                {"site_id": sites[spec["key"], site_key].id,
                 "programme_id": programmes[code].id, "status": "approved"},
                sworn_declaration=True, submitted_at=decided - timedelta(days=9),
                submitted_by_id=company_user.id if by_us else None, decided_at=decided,
                decided_by_id=sector_user.id if spec["sector"] == "BOUW" else None,
                valid_from=valid_from, valid_until=_add_years(valid_from, 5) - timedelta(days=1),
            )
            approved[code].append((row, spec["key"]))
            recognition_mentors.append((row, company_mentors))
        for site_key, code, status, days_ago in spec.get("open_recognitions", []):
            row = loader.ensure(
                recognition_index, Recognition,
                {"site_id": sites[spec["key"], site_key].id,
                 "programme_id": programmes[code].id, "status": status},
                sworn_declaration=True, submitted_at=_at(today - timedelta(days=days_ago)),
                submitted_by_id=company_user.id if by_us else None,
                note="Nieuwe afdeling; mentor volgt de opleiding dit voorjaar." if by_us else "",
            )
            recognition_mentors.append((row, company_mentors[:2]))
        for site_key, code, reason in spec.get("refused_recognitions", []):
            row = loader.ensure(
                recognition_index, Recognition,
                {"site_id": sites[spec["key"], site_key].id,
                 "programme_id": programmes[code].id, "status": "refused"},
                sworn_declaration=True, submitted_at=_at(today - timedelta(days=60)),
                decided_at=_at(today - timedelta(days=48)), decision_reason=reason,
            )
            recognition_mentors.append((row, company_mentors[:1]))
        for site_key, code, reason in spec.get("withdrawn_recognitions", []):
            valid_from = date(year - 3, 9, 1)
            row = loader.ensure(
                recognition_index, Recognition,
                {"site_id": sites[spec["key"], site_key].id,
                 "programme_id": programmes[code].id, "status": "withdrawn"},
                sworn_declaration=True, submitted_at=_at(valid_from - timedelta(days=30)),
                decided_at=_at(today - timedelta(days=75)), decision_reason=reason,
                valid_from=valid_from, valid_until=_add_years(valid_from, 5) - timedelta(days=1),
            )
            recognition_mentors.append((row, company_mentors[:1]))
    # One approved recognition that expires soon, and one that has expired.
    soon_from = _add_years(today + timedelta(days=40), -5)
    loader.ensure(recognition_index, Recognition,
                  {"site_id": sites["mertens", "aalst"].id,
                   "programme_id": programmes["HT-HOUT"].id, "status": "approved"},
                  sworn_declaration=True, submitted_at=_at(soon_from - timedelta(days=12)),
                  decided_at=_at(soon_from - timedelta(days=2)), valid_from=soon_from,
                  valid_until=_add_years(soon_from, 5) - timedelta(days=1))
    old_from = date(year - 7, 9, 1)
    loader.ensure(recognition_index, Recognition,
                  {"site_id": sites["maes", "mechelen"].id,
                   "programme_id": programmes["MO-VTE"].id, "status": "expired"},
                  sworn_declaration=True, submitted_at=_at(old_from - timedelta(days=20)),
                  decided_at=_at(old_from - timedelta(days=5)), valid_from=old_from,
                  valid_until=_add_years(old_from, 5) - timedelta(days=1))
    session.flush()
    link_index = loader.index(RecognitionMentor, ["recognition_id", "mentor_id"],
                              RecognitionMentor.recognition_id.in_(
                                  [r.id for r, _ in recognition_mentors]))
    for recognition, named in recognition_mentors:
        for mentor in named:
            loader.ensure(link_index, RecognitionMentor,
                          {"recognition_id": recognition.id, "mentor_id": mentor.id})

    # Learners and trajectories: this school year and four before, for trends.
    plans = _demo_learner_plans(year, rng, fake)
    learner_index = loader.index(Learner, ["national_number"], Learner.national_number.in_(
        [p["national_number"] for p in plans]))
    for plan in plans:
        plan["learner"] = loader.ensure(
            learner_index, Learner, {"national_number": plan["national_number"]},
            school_id=schools[plan["school"]].id, **plan["fields"])
    session.flush()
    trajectory_index = loader.index(
        Trajectory, ["learner_id", "programme_id", "school_year"],
        Trajectory.learner_id.in_([p["learner"].id for p in plans]))
    for plan in plans:
        school = schools[plan["school"]]
        plan["trajectory"] = loader.ensure(
            trajectory_index, Trajectory,
            {"learner_id": plan["learner"].id, "programme_id": programmes[plan["programme"]].id,
             "school_year": plan["year"]},
            school_id=school.id,
            coordinator_id=coordinator.id if plan["school"] == "gent" else None,
            **plan["trajectory_fields"])
    session.flush()
    _demo_council_decisions(loader, plans, year, coordinator)

    # Placements: an approved recognition of the programme, an eligible mentor with room.
    load: Counter[tuple[int, int]] = Counter()
    placement_index = loader.index(Placement, ["trajectory_id"], Placement.trajectory_id.in_(
        [p["trajectory"].id for p in plans]))
    sector_of_code = {p[0]: p[2] for p in PROGRAMMES}
    company_specs = {c["key"]: c for c in COMPANIES}
    for plan in plans:
        if plan["unplaced"]:
            continue
        code = plan["programme"]
        choice = None
        if plan.get("demo_mentor"):
            site = sites["vandamme", plan["demo_mentor"]]
            recognition = next(r for r, _ in approved[code] if r.site_id == site.id)
            choice = (recognition, demo_mentor)
        else:
            options = approved[code]
            turn = plan["rotation"] % max(1, len(options))
            candidates = options[turn:] + options[:turn]
            for recognition, company_key in candidates:
                # The cap of the company's own sector, as the mentor screens count it.
                spec = company_specs[company_key]
                cap = sectors[spec["sector"]].max_learners_per_mentor
                # Recently appointed mentors (training still to follow) only guide this year.
                allowed = ("eligible", "training_pending") if plan["year"] == year else (
                    "eligible",)
                pool = [mentors[company_key, m[0]] for m in spec["mentors"]
                        if profiles[company_key, m[0]] in allowed and m[0] != "demo"]
                pool.sort(key=lambda m: load[m.id, plan["year"]])
                for mentor in pool:
                    if cap is None or load[mentor.id, plan["year"]] < cap:
                        choice = (recognition, mentor)
                        break
                if choice:
                    break
        if choice is None:
            continue
        recognition, mentor = choice
        load[mentor.id, plan["year"]] += 1
        trajectory = plan["trajectory"]
        starts = trajectory.starts_on + timedelta(days=plan["placement_delay"])
        ends = trajectory.ends_on or date(plan["year"] + 1, 6, 30)
        ends = max(ends, starts)
        plan["placement"] = loader.ensure(
            placement_index, Placement, {"trajectory_id": trajectory.id},
            site_id=recognition.site_id, mentor_id=mentor.id, recognition_id=recognition.id,
            starts_on=starts, ends_on=ends, hours_per_week=plan["hours"],
            weekly_schedule=_demo_schedule(plan["hours"]),
        )
    session.flush()

    _demo_agreements(session, loader, plans, schools, companies, sectors, sector_of_code,
                     users, today, render_contracts=render_contracts)
    _demo_evaluations(session, loader, plans, programmes, coordinator, today)
    session.flush()
    return dict(loader.created)


def _demo_council_decisions(loader: _Loader, plans: list[dict[str, Any]], year: int,
                            coordinator: User) -> None:
    """The class council's decisions of past school years (final-year classes): qualified
    trajectories obtained the qualification; of the others that ran to the end of the year, one
    in three passed (a specialisation year follows), the rest did not pass."""
    past = [plan for plan in plans if plan["year"] < year
            and plan["trajectory"].status in ("qualified", "unqualified")]
    index = loader.index(ClassCouncilDecision, ["trajectory_id"],
                         ClassCouncilDecision.trajectory_id.in_(
                             [plan["trajectory"].id for plan in past]))
    for plan in past:
        trajectory = plan["trajectory"]
        decision = ("qualified" if trajectory.status == "qualified"
                    else "passes" if plan["rotation"] % 3 == 0 else "does_not_pass")
        loader.ensure(index, ClassCouncilDecision, {"trajectory_id": trajectory.id},
                      decision=decision, decided_on=date(plan["year"] + 1, 6, 26),
                      decided_by_id=coordinator.id if plan["school"] == "gent" else None)


def _demo_schedule(hours: float) -> list[str]:
    """Whole days at the workplace (Monday, Tuesday, Thursday, Friday, then Wednesday), about
    four hours a half-day, in week order."""
    order = ["mon", "tue", "thu", "fri", "wed"]
    count = max(1, min(10, round(hours / 4)))
    chosen = [f"{day}_{half}" for day in order for half in ("am", "pm")][:count]
    week = [f"{day}_{half}" for day in ("mon", "tue", "wed", "thu", "fri") for half in ("am", "pm")]
    return [key for key in week if key in chosen]


def _demo_learner_plans(year: int, rng: random.Random, fake: Faker) -> list[dict[str, Any]]:
    """Every demo learner and trajectory, generated deterministically (no database access)."""
    programme_specs = {p[0]: p for p in PROGRAMMES}
    sequences: Counter[tuple[date, str]] = Counter()
    school_places = {s["key"]: (s["postcode"], s["municipality"]) for s in SCHOOLS}
    plans: list[dict[str, Any]] = []
    demo_slots = {(school, code): hub for school, code, hub in DEMO_MENTOR_LEARNERS}

    def learner(school: str, code: str, school_year: int) -> dict[str, Any]:
        sector = programme_specs[code][2]
        female = rng.random() < FEMALE_SHARE[sector]
        adult = school == "cvo"
        if adult:
            birth = date(school_year - rng.randint(19, 42), rng.randint(1, 12), rng.randint(1, 28))
        else:
            birth = date(school_year - rng.choice((16, 17, 17, 18)), rng.randint(1, 12),
                         rng.randint(1, 28))
        gender = "F" if female else "M"
        sequences[birth, gender] += 1
        sequence = 2 * sequences[birth, gender] - (0 if female else 1)
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name()
        postcode, municipality = school_places[school]
        # Guardian contact is kept for everyone who was a minor when the trajectory began.
        minor_now = _add_years(birth, 18) > min(date(school_year, 9, 1), date.today())
        guardian = (fake.first_name_female() if rng.random() < 0.6 else fake.first_name_male())
        guardian_last = last if rng.random() < 0.8 else fake.last_name()
        phone = fake.phone_number()
        street = f"{fake.street_name()} {rng.randint(1, 180)}"
        language = "fr" if school == "brussel" and rng.random() < 0.2 else "nl"
        fields = {
            "first_name": first, "last_name": last, "birth_date": birth, "gender": gender,
            "email": _email(first, last), "phone": phone, "street": street,
            "postcode": postcode, "municipality": municipality, "language": language,
            "guardian_name": f"{guardian} {guardian_last}" if minor_now else "",
            "guardian_email": _email(guardian, guardian_last) if minor_now else "",
            "guardian_phone": fake.phone_number() if minor_now else "",
        }
        return {"national_number": national_number(birth, sequence), "fields": fields,
                "female": female}

    def trajectory_fields(school_year: int, status: str, ended: date | None, code: str,
                          grade: int) -> dict[str, Any]:
        starts = date(school_year, 9, 1)
        reasons = {"qualified": "Getuigschrift behaald.",
                   "unqualified": "Schooljaar beëindigd zonder kwalificatie.",
                   "stopped": "Lerende stopte met het duaal traject.",
                   "reoriented": "Heroriëntering naar een schoolgebonden opleiding."}
        return {"starts_on": starts, "ends_on": ended, "status": status,
                "end_reason": reasons.get(status, ""), "agreement_clock_starts_on": starts,
                "class_group": f"{grade}{code.split('-')[1][:3]}"}

    rotation = 0
    for school, offer in SCHOOL_OFFER.items():
        for code, count in offer:
            for k in range(count):
                plan = learner(school, code, year)
                status, ended = "active", None
                # A learner who stopped this year, in two classes.
                if k == count - 1 and (school, code) in STOPPED_THIS_YEAR:
                    ended = min(date(year, 10, 16), date.today() - timedelta(days=1))
                    status = "stopped" if ended >= date(year, 9, 1) else "active"
                    ended = ended if status == "stopped" else None
                rotation += 1
                plan.update(
                    school=school, programme=code, year=year, rotation=rotation,
                    trajectory_fields=trajectory_fields(year, status, ended, code,
                                                        5 + k % 2),
                    hours=demo_hours(programme_specs[code][2],
                                     float(rng.choice((20, 24, 24, 28)))),
                    placement_delay=rng.randint(0, 10),
                    # Still looking for a workplace: the second learner of some programmes.
                    unplaced=(k == 1 and code in ("EL-EIN", "HA-VK", "ZW-ZK")
                              and school != "brussel"),
                )
                if k == 0 and (school, code) in demo_slots:
                    plan["demo_mentor"] = demo_slots[school, code]
                plans.append(plan)
    for past in range(1, 5):
        school_year = year - past
        for school, per_year in PAST_YEARS_PER_SCHOOL.items():
            offer = [code for code, _ in SCHOOL_OFFER[school]]
            for k in range(per_year):
                code = offer[(k + past) % len(offer)]
                plan = learner(school, code, school_year)
                roll = rng.random()
                status = ("qualified" if roll < 0.72 else "unqualified" if roll < 0.84
                          else "stopped" if roll < 0.94 else "reoriented")
                ended = (date(school_year + 1, 6, 30) if status in ("qualified", "unqualified")
                         else date(school_year, 9, 1) + timedelta(days=rng.randint(40, 200)))
                rotation += 1
                plan.update(
                    school=school, programme=code, year=school_year, rotation=rotation,
                    trajectory_fields=trajectory_fields(school_year, status, ended, code, 6),
                    hours=demo_hours(programme_specs[code][2],
                                     float(rng.choice((20, 24, 24, 28)))),
                    placement_delay=rng.randint(0, 10), unplaced=False,
                )
                plans.append(plan)
    return plans


def _demo_agreements(session: Session, loader: _Loader, plans: list[dict[str, Any]],
                     schools: dict[str, School], companies: dict[str, Company],
                     sectors: dict[str, Sector], sector_of_code: dict[str, str],
                     users: dict[str, User], today: date, *,
                     render_contracts: bool = True) -> None:
    """A signed agreement (with its PDF and signatures) for most placements, a few still open."""
    placed = [p for p in plans if p.get("placement") is not None]
    agreement_index = loader.index(Agreement, ["placement_id", "version"],
                                   Agreement.placement_id.in_([p["placement"].id for p in placed]))
    company_by_id = {c.id: c for c in companies.values()}
    site_company = {
        s.id: s.company_id
        for s in session.execute(select(Site).where(
            Site.id.in_([p["placement"].site_id for p in placed]))).scalars()
    }
    pending = []
    for n, plan in enumerate(placed):
        placement, trajectory, learner = plan["placement"], plan["trajectory"], plan["learner"]
        sector = sectors[sector_of_code[plan["programme"]]]
        hours = placement.hours_per_week
        kind = programme_kind(sector.code)
        # The OAO allowance is the indexed amount of the learner's category, not a number; an
        # SAO may state an expense allowance, part-time employment the gross monthly wage.
        allowance = {"internship": Decimal("0") if n % 2 else Decimal("60.00"),
                     "part_time_employment": Decimal("1120.00")}.get(kind, Decimal("0"))
        current = plan["year"] == school_year_of(today)
        awaiting = current and n % 9 == 4
        status = "awaiting_signatures" if awaiting else (
            "terminated" if trajectory.status in ("stopped", "reoriented") else "signed")
        signed_on = placement.starts_on - timedelta(days=3)
        company = company_by_id[site_company[placement.site_id]]
        school = next(s for s in schools.values() if s.id == trajectory.school_id)
        agreement = loader.ensure(
            agreement_index, Agreement, {"placement_id": placement.id, "version": 1},
            kind=kind, status=status, starts_on=placement.starts_on, ends_on=placement.ends_on,
            hours_per_week=hours, monthly_allowance=allowance,
            allowance_category=1 + n % 3 if kind == "alternating_training" else None,
            sent_at=_at(signed_on - timedelta(days=4)),
            signed_at=None if awaiting else _at(signed_on, 15),
            terminated_on=trajectory.ends_on if status == "terminated" else None,
            termination_reason=trajectory.end_reason if status == "terminated" else "",
            termination_kind="left_programme" if status == "terminated" else None,
            created_by_id=users["coordinator@dualflow.demo"].id
            if plan["school"] == "gent" else None,
        )
        pending.append((agreement, plan, company, school, signed_on, awaiting))
    session.flush()
    documents = loader.index(Document, ["subject_type", "subject_id", "kind"],
                             Document.subject_type == "agreement",
                             Document.subject_id.in_([a.id for a, *_ in pending]))
    signatures = loader.index(Signature, ["agreement_id", "party"],
                              Signature.agreement_id.in_([a.id for a, *_ in pending]))
    for agreement, plan, company, school, signed_on, awaiting in pending:
        learner = plan["learner"]
        sent_on = signed_on - timedelta(days=4)
        minor = _add_years(learner.birth_date, 18) > sent_on
        parties = [("learner", f"{learner.first_name} {learner.last_name}", learner.email)]
        if minor and learner.guardian_email:
            parties.append(("guardian", learner.guardian_name, learner.guardian_email))
        parties += [("company", company.contact_name, company.contact_email),
                    ("school", school.name, school.email)]
        real = render_contracts and _real_contract(plan, company, awaiting, users, today)
        document = documents.get(("agreement", agreement.id, "agreement"))
        if document is None:
            # Rendered only when missing: a second run finds the document and renders nothing.
            if real:
                data = contract.contract_data(session, agreement, today=sent_on, signers={
                    party: name for party, name, _email in parties})
                content = contract.render(data)
                agreement.contract_data = data
            else:
                content = _stand_in_contract(agreement, learner, company, school)
            document = loader.ensure(
                documents, Document,
                {"subject_type": "agreement", "subject_id": agreement.id, "kind": "agreement"},
                filename=f"overeenkomst-{agreement.id}-v{agreement.version}.pdf",
                content=content, sha256=pdf.sha256(content), size_bytes=len(content),
                created_at=_at(sent_on),
            )
            session.flush()
        if agreement.document_id is None:
            agreement.document_id = document.id
        language = (agreement.contract_data or {}).get("lang", "nl")
        rows = []
        for m, (party, name, email) in enumerate(parties):
            unsigned = awaiting and party in ("learner", "guardian")
            rows.append(loader.ensure(
                signatures, Signature, {"agreement_id": agreement.id, "party": party},
                document_id=document.id, signer_email=email or "onbekend@example.com",
                expected_name=name, signer_name="" if unsigned else name, language=language,
                signed_at=None if unsigned else _at(signed_on, 9 + m),
                ip="" if unsigned else f"192.0.2.{10 + m}",
                user_agent="" if unsigned else "Mozilla/5.0 (demo)",
                document_sha256="" if unsigned else document.sha256,
            ))
        if real and not awaiting and agreement.signed_document_id is None:
            _demo_signed_document(session, loader, documents, agreement, document, rows)


def _real_contract(plan: dict[str, Any], company: Company, awaiting: bool,
                   users: dict[str, User], today: date) -> bool:
    """Whether the demo renders the real contract (slow, ~0.3 s a PDF) or a stand-in.

    Real: this school year's agreements awaiting signatures, and those the demo log-ins open
    (the coordinator's school, the demo company). Older years and other schools keep a stand-in.
    """
    if plan["year"] != school_year_of(today):
        return False
    return (awaiting or plan["school"] == "gent"
            or company.id == users["company@dualflow.demo"].company_id)


def _stand_in_contract(agreement: Agreement, learner: Learner, company: Company,
                       school: School) -> bytes:
    """A one-page stand-in for the contracts of past school years (rendering all is slow)."""
    return simple_pdf("Overeenkomst duaal leren", [
        f"Overeenkomst ({agreement.kind}) - versie {agreement.version}",
        f"Lerende: {learner.first_name} {learner.last_name}",
        f"Onderneming: {company.name} (KBO {company.kbo_number})",
        f"Opleidingsverstrekker: {school.name}",
        f"Periode: {agreement.starts_on:%d/%m/%Y} - {agreement.ends_on:%d/%m/%Y}",
        f"Uren per week op de werkplek: {agreement.hours_per_week:g}",
        (f"Leervergoeding: categorie {agreement.allowance_category} (geindexeerd)"
         if agreement.allowance_category else
         f"Maandelijkse vergoeding: EUR {agreement.monthly_allowance}"),
        "Demo-document van dualflow.",
    ])


def _demo_signed_document(session: Session, loader: _Loader, documents: dict[tuple, Any],
                          agreement: Agreement, sent: Document,
                          signatures: list[Signature]) -> None:
    """The final PDF with the signature page, as the agreements service stores it."""
    key = ("agreement", agreement.id, "agreement_signed")
    document = documents.get(key)
    if document is None:
        data = agreement.contract_data
        ordered = sorted(signatures, key=lambda row: PARTY_ORDER.index(row.party))
        content = contract.render(
            data, signatures=contract.signature_rows(ordered, data["lang"]),
            signed_sha256=sent.sha256, signed_on=local_datetime(agreement.signed_at).date())
        document = loader.ensure(
            documents, Document, dict(zip(("subject_type", "subject_id", "kind"), key,
                                          strict=True)),
            filename=f"overeenkomst-{agreement.id}-v{agreement.version}-ondertekend.pdf",
            content=content, sha256=pdf.sha256(content), size_bytes=len(content),
            created_at=agreement.signed_at,
        )
        session.flush()
    agreement.signed_document_id = document.id


def _moment_dates(starts_on: date, count: int = 3) -> list[tuple[str, date]]:
    year = starts_on.year if starts_on.month >= 9 else starts_on.year - 1
    dates = [date(year, 10, 20), date(year + 1, 1, 26), date(year + 1, 5, 25)]
    titles = ["Tussentijdse evaluatie 1", "Tussentijdse evaluatie 2", "Eindevaluatie"]
    return list(zip(titles, dates, strict=True))[:count]


def _demo_evaluations(session: Session, loader: _Loader, plans: list[dict[str, Any]],
                      programmes: dict[str, Programme], coordinator: User,
                      today: date) -> None:
    """Evaluation moments per trajectory; past ones mostly submitted or reviewed, some overdue."""
    trajectory_ids = [p["trajectory"].id for p in plans]
    moment_index = loader.index(EvaluationMoment, ["trajectory_id", "title"],
                                EvaluationMoment.trajectory_id.in_(trajectory_ids))
    programme_ids = [programmes[code].id for code in {p["programme"] for p in plans}]
    competencies: dict[int, list[Competency]] = defaultdict(list)
    for competency in session.execute(select(Competency).where(
            Competency.programme_id.in_(programme_ids)).order_by(Competency.position)).scalars():
        if competency.location in ("workplace", "both"):
            competencies[competency.programme_id].append(competency)
    planned: list[tuple[EvaluationMoment, dict[str, Any], int, str]] = []
    for n, plan in enumerate(plans):
        trajectory = plan["trajectory"]
        for index, (title, due) in enumerate(_moment_dates(trajectory.starts_on)):
            if trajectory.ends_on and due > trajectory.ends_on:
                continue
            roll = (n * 7 + index * 3) % 10
            if due >= today:
                status = "draft" if due - today < timedelta(days=10) and roll < 3 else "planned"
            elif plan.get("placement") is None:
                status = "planned"
            elif plan["year"] < school_year_of(today):
                status = "reviewed" if roll < 8 else "submitted"
            elif plan.get("demo_mentor") == "antwerpen":
                status = "planned"  # the demo mentor has an overdue evaluation to do
            elif plan.get("demo_mentor"):
                status = "submitted"
            else:
                status = ("reviewed" if roll < 4 else "submitted" if roll < 7
                          else "draft" if roll < 8 else "planned")
            moment = loader.ensure(
                moment_index, EvaluationMoment, {"trajectory_id": trajectory.id, "title": title},
                due_on=due, status=status, created_at=_at(trajectory.starts_on),
            )
            planned.append((moment, plan, index, status))
    _demo_visits(loader, moment_index, plans, today)
    session.flush()
    evaluation_index = loader.index(Evaluation, ["moment_id"], Evaluation.moment_id.in_(
        [m.id for m, *_ in planned]))
    scored = []
    comments = ["Werkt nauwkeurig en vraagt tijdig hulp.", "Goede vooruitgang, let op "
                "stiptheid.", "Zelfstandiger dan bij de vorige evaluatie.",
                "Neemt initiatief en werkt veilig.", "Heeft nog begeleiding nodig bij planning."]
    for moment, plan, index, status in planned:
        if status == "planned":
            continue
        placement = plan["placement"]
        submitted = _at(moment.due_on + timedelta(days=(index * 5 + plan["rotation"]) % 9 - 4))
        evaluation = loader.ensure(
            evaluation_index, Evaluation, {"moment_id": moment.id},
            mentor_id=placement.mentor_id,
            general_comment=comments[(plan["rotation"] + index) % len(comments)],
            submitted_at=submitted if status in ("submitted", "reviewed") else None,
            reviewed_at=submitted + timedelta(days=5) if status == "reviewed" else None,
            reviewed_by_id=coordinator.id
            if status == "reviewed" and plan["school"] == "gent" else None,
            school_comment="Besproken met de lerende." if status == "reviewed" else "",
            self_reflection="Ik leer veel bij op de werf." if index == 0 and
            plan["rotation"] % 4 == 0 else "",
            updated_at=submitted,
        )
        scored.append((evaluation, plan, index, status))
    session.flush()
    score_index = loader.index(EvaluationScore, ["evaluation_id", "competency_id"],
                               EvaluationScore.evaluation_id.in_([e.id for e, *_ in scored]))
    for evaluation, plan, index, status in scored:
        clusters = competencies[programmes[plan["programme"]].id]
        for m, competency in enumerate(clusters):
            if status == "draft" and m >= 2:
                break
            level = min(4, 2 + index + (plan["rotation"] + m) % 2 - (m % 3 == 2))
            loader.ensure(score_index, EvaluationScore,
                          {"evaluation_id": evaluation.id, "competency_id": competency.id},
                          level=None if (plan["rotation"] + m) % 11 == 0 else max(1, level))


def _demo_visits(loader: _Loader, moment_index: dict[tuple, Any], plans: list[dict[str, Any]],
                 today: date) -> None:
    """Workplace visits dated from the day the demo is loaded, so that reminders fall due.

    The demo mentor gets one due in 7 days and one tomorrow; the Gent coordinator one that is
    4 days overdue. Dates are set when first loaded and kept by later loads.
    """
    year = school_year_of(today)

    def covered(plan: dict[str, Any], due: date) -> bool:
        placement = plan.get("placement")
        trajectory = plan["trajectory"]
        return (plan["year"] == year and placement is not None
                and trajectory.status == "active"
                and placement.starts_on <= due <= placement.ends_on)

    wanted = [(lambda p: bool(p.get("demo_mentor")), 7), (lambda p: bool(p.get("demo_mentor")), 1),
              (lambda p: p["school"] == "gent" and not p.get("demo_mentor"), -4)]
    used: set[int] = set()
    for belongs, offset in wanted:
        due = today + timedelta(days=offset)
        plan = next((p for p in plans if belongs(p) and covered(p, due)
                     and p["trajectory"].id not in used), None)
        if plan is None:
            continue
        used.add(plan["trajectory"].id)
        loader.ensure(moment_index, EvaluationMoment,
                      {"trajectory_id": plan["trajectory"].id, "title": "Werkplekbezoek"},
                      due_on=due, status="planned", created_at=_at(today - timedelta(days=30)))


# ---------------------------------------------------------------------------------------------
# scale: bulk generation with Core inserts

SCALE_SCHOOL_PREFIX = "9"  # institution numbers 9xxxxx
SCALE_KBO_PREFIX = 101  # enterprise numbers 101x.xxx.xxx
SCALE_SITE_PREFIX = 29  # site numbers 29xx.xxx.xxx
BATCH = 5000


def _quiet(_message: str) -> None:
    return None


def _bulk(session: Session, model: type[SQLModel], rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows with Core executemany, a batch at a time; returns the number inserted."""
    table = model.__table__
    batch: list[dict[str, Any]] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            session.execute(insert(table), batch)
            total += len(batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)
        total += len(batch)
    return total


class _Ids:
    """Hands out primary keys above the current maximum of each table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def take(self, model: type[SQLModel], count: int = 1) -> int:
        """The first of `count` consecutive new ids for `model`."""
        name = model.__tablename__
        if name not in self.next:
            self.next[name] = (self.session.execute(
                select(func.max(model.__table__.c.id))).scalar() or 0) + 1
        first = self.next[name]
        self.next[name] += count
        return first


def _existing_scale_learners(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(Learner).join(School, School.id == Learner.school_id)
        .where(School.institution_number.like(f"{SCALE_SCHOOL_PREFIX}_____"))
    ).scalar_one()


def _next_serial(session: Session, column, pattern: str, start: int, stop: int) -> int:
    """The serial after the highest generated number matching `pattern` (digits start:stop)."""
    highest = session.execute(select(func.max(column)).where(column.like(pattern))).scalar()
    return int(highest[start:stop]) + 1 if highest else 0


def load_scale(n: int, progress: Progress = _quiet) -> dict[str, int]:
    """Top the generated population up to `n` learners, with everything in proportion."""
    started = time.perf_counter()
    with db.sessionmaker() as session:
        existing = _existing_scale_learners(session)
        if existing >= n:
            progress(f"Scale data: {existing} generated learners already present; nothing to do.")
            return {}
        counts = _generate_scale(session, n - existing, today=date.today(), progress=progress,
                                 started=started)
        audit.record(session, actor=None, action="demo.scaled", entity_type="demo",
                     changes={"learners_target": n, **counts}, ip="")
        progress("Committing ...")
        session.commit()
    progress(f"Scale data: {counts.get('learners', 0)} learners added in "
             f"{time.perf_counter() - started:.1f} s.")
    return counts


@dataclass
class _Prog:
    id: int
    code: str
    sector: str
    sector_id: int
    weight: float
    female: float
    stem: bool
    workplace_competencies: list[int]
    cap: int | None
    part_time: bool


def _generate_scale(session: Session, m: int, *, today: date, progress: Progress,
                    started: float) -> dict[str, int]:
    """Generate and insert `m` learners and everything that goes with them."""
    catalog = ensure_catalog(session)
    session.flush()
    school_serial = _next_serial(session, School.institution_number,
                                 f"{SCALE_SCHOOL_PREFIX}_____", 1, 6)
    company_serial = _next_serial(session, Company.kbo_number, f"{SCALE_KBO_PREFIX}%", 3, 8)
    site_serial = _next_serial(session, Site.number, f"{SCALE_SITE_PREFIX}%", 2, 8)
    rng = random.Random(f"{SEED}-{school_serial}-{m}")
    fake = Faker("nl_BE")
    fake.seed_instance(SEED + school_serial)
    ids = _Ids(session)
    current = school_year_of(today)
    years = list(range(current - 4, current + 1))
    now = datetime.now(UTC)
    counts: Counter[str] = Counter()

    def report(message: str) -> None:
        progress(f"[{time.perf_counter() - started:6.1f} s] {message}")

    # Catalogue facts used for the distributions.
    sectors = catalog["sectors"]
    workplace: dict[int, list[int]] = defaultdict(list)
    for programme_id, competency_id, location in session.execute(
            select(Competency.programme_id, Competency.id, Competency.location)
            .order_by(Competency.programme_id, Competency.position)):
        if location in ("workplace", "both"):
            workplace[programme_id].append(competency_id)
    programmes: list[_Prog] = []
    for code, _name, sector, track, stem, _level, _own in PROGRAMMES:
        row = catalog["programmes"][code]
        count = sum(1 for p in PROGRAMMES if p[2] == sector)
        programmes.append(_Prog(
            id=row.id, code=code, sector=sector, sector_id=sectors[sector].id,
            weight=POPULARITY[sector] * TRACK_WEIGHT[track] / count,
            female=FEMALE_SHARE[sector], stem=stem == "stem",
            workplace_competencies=workplace[row.id],
            cap=sectors[sector].max_learners_per_mentor,
            part_time=sectors[sector].allows_part_time_employment))

    first_f = list(dict.fromkeys(fake.first_name_female() for _ in range(600)))
    first_m = list(dict.fromkeys(fake.first_name_male() for _ in range(600)))
    last_names = list(dict.fromkeys(fake.last_name() for _ in range(1500)))
    streets = list(dict.fromkeys(fake.street_name() for _ in range(400)))
    phone = [fake.phone_number() for _ in range(500)]
    password_hash = hash_password(DEMO_PASSWORD)
    all_first = first_f + first_m

    # Schools, their coordinators and holidays.
    n_schools = max(1, round(m / 400))
    school_rows, user_rows, holiday_rows, schools = [], [], [], []
    school_id = ids.take(School, n_schools)
    user_id = ids.take(User, n_schools)
    for k in range(n_schools):
        serial = school_serial + k
        postcode, town = PLACES[(serial * 7) % len(PLACES)]
        kind = "syntra" if k % 9 == 4 else "adult_education" if k % 13 == 6 else "secondary"
        name = {"syntra": f"Syntra campus {town}", "adult_education": f"CVO {town}",
                "secondary": f"Technisch Instituut {town}"}[kind]
        number = f"{SCALE_SCHOOL_PREFIX}{serial:05d}"
        sid, uid = school_id + k, user_id + k
        schools.append((sid, uid, postcode, town))
        school_rows.append({
            "id": sid, "name": f"{name} ({number})", "institution_number": number, "kind": kind,
            "street": f"{rng.choice(streets)} {rng.randint(1, 200)}", "postcode": postcode,
            "municipality": town, "email": f"duaal.{number}@example.com",
            "phone": rng.choice(phone), "escalation_email": f"directie.{number}@example.com",
            "evaluation_interval_weeks": 6, "is_active": True, "created_at": now})
        user_rows.append({
            "id": uid, "email": f"coordinator.{number}@scale.dualflow.demo",
            "full_name": f"{rng.choice(all_first)} {rng.choice(last_names)}",
            "password_hash": password_hash, "role": "coordinator", "school_id": sid,
            "company_id": None, "sector_id": None, "language": "nl", "digest": "daily",
            "is_active": True, "session_epoch": 0, "created_at": now})
        for name_, starts, ends in flemish_holidays(current):
            holiday_rows.append({"id": ids.take(SchoolHoliday), "school_id": sid, "name": name_,
                                 "starts_on": starts, "ends_on": ends})
    counts["schools"] = _bulk(session, School, school_rows)
    counts["users"] = _bulk(session, User, user_rows)
    counts["school_holidays"] = _bulk(session, SchoolHoliday, holiday_rows)
    report(f"{n_schools} schools, coordinators and holidays")

    # Learners and their trajectories (decided first: they set the demand for workplaces).
    prog_weights = [p.weight for p in programmes]
    year_weights = [1.0 + 0.06 * i for i in range(len(years))]  # dual learning grows
    birth_seq = _birth_sequences(session)
    learners: list[tuple] = []
    demand: Counter[tuple[int, int]] = Counter()
    learner_id = ids.take(Learner, m)
    for i in range(m):
        year = rng.choices(years, year_weights)[0]
        trend = years.index(year)
        programme = rng.choices(programmes, prog_weights)[0]
        if programme.stem and rng.random() < 0.004 * trend:  # more girls in STEM over time
            female = True
        else:
            female = rng.random() < programme.female
        birth = date(year - 18, 1, 1) + timedelta(days=rng.randint(0, 729))
        c = birth_seq[birth]
        birth_seq[birth] += 1
        sequence = 500 + 2 * c + (0 if female else 1)
        if sequence > 997:
            raise RuntimeError("too many generated learners for one birth date")
        school = schools[i * n_schools // m]
        learners.append((learner_id + i, school, year, programme, female, birth,
                         national_number(birth, sequence)))
        demand[programme.id, year] += 1
    report(f"{m} learners planned")

    # Companies in proportion to the demand per sector, with sites, mentors and recognitions.
    n_companies = max(2, round(m / 8))
    sector_demand: Counter[str] = Counter()
    for p in programmes:
        sector_demand[p.sector] += sum(demand[p.id, y] for y in years)
    sector_names = list(sector_demand)
    sector_weights = [sector_demand[s] or 0.1 for s in sector_names]
    by_sector: dict[str, list[_Prog]] = defaultdict(list)
    for p in programmes:
        by_sector[p.sector].append(p)
    company_rows, site_rows, mentor_rows, recognition_rows, link_rows = [], [], [], [], []
    approved: dict[int, list[tuple[int, int, date, date, list[int]]]] = defaultdict(list)
    company_id = ids.take(Company, n_companies)
    forms = ["BV", "BV", "NV", "BV", "VZW", "CommV"]
    # Every sector with learners gets a company first; the rest follow the demand.
    needed = sorted((s for s in sector_names if sector_demand[s]), key=lambda s: -sector_demand[s])
    # Per sector, the programmes with learners, most demanded first, handed out to sites in turn.
    queue: dict[str, list[int]] = {
        sector: [p.id for p in sorted(by_sector[sector], key=lambda p: -sum(
            demand[p.id, y] for y in years)) if any(demand[p.id, y] for y in years)]
        for sector in sector_names
    }
    turn: Counter[str] = Counter()
    for k in range(n_companies):
        cid = company_id + k
        sector = needed[k] if k < len(needed) else rng.choices(sector_names, sector_weights)[0]
        postcode, town = rng.choice(PLACES)
        last = rng.choice(last_names)
        kind = {"BOUW": "Bouwbedrijf", "HOUT": "Schrijnwerkerij", "ELEKTRO": "Elektro",
                "METAAL": "Metaalwerken", "MOBILITEIT": "Garage", "CHEMIE": "Labo",
                "GRAFISCH": "Drukkerij", "LOGISTIEK": "Transport", "ZORG": "Zorgcentrum",
                "HORECA": "Restaurant", "HANDEL": "Winkel"}[sector]
        form = "VZW" if sector == "ZORG" else rng.choice(forms[:4])
        kbo = kbo_number(int(f"{SCALE_KBO_PREFIX % 100:02d}{company_serial + k:05d}"),
                         prefix=str(SCALE_KBO_PREFIX // 100))
        company_rows.append({
            "id": cid, "kbo_number": kbo, "name": f"{kind} {last} {form}", "legal_form": form,
            "sector_id": sectors[sector].id, "street": f"{rng.choice(streets)} "
            f"{rng.randint(1, 300)}", "postcode": postcode, "municipality": town,
            "contact_name": f"{rng.choice(all_first)} {last}",
            "contact_email": f"contact.{kbo}@example.com", "contact_phone": rng.choice(phone),
            "created_at": now})
        cap = sectors[sector].max_learners_per_mentor
        n_mentors = rng.choice((2, 3, 3, 4)) if cap else rng.choice((1, 1, 2, 2, 3))
        company_mentors: list[int] = []
        mentor_id = ids.take(Mentor, n_mentors)
        for j in range(n_mentors):
            female = rng.random() < (FEMALE_SHARE[sector] + 0.15)
            profile = "eligible" if rng.random() < 0.9 else rng.choice(
                ["too_young", "training_overdue", "training_pending", "no_record_check"])
            facts = _mentor_facts(profile, today, rng)
            first = rng.choice(first_f if female else first_m)
            mentor_rows.append({
                "id": mentor_id + j, "company_id": cid, "user_id": None, "first_name": first,
                "last_name": rng.choice(last_names),
                "email": f"mentor{j + 1}.{kbo}@example.com", "phone": rng.choice(phone),
                "function_title": "Mentor", "is_active": True, "created_at": now, **facts})
            if profile == "eligible":
                company_mentors.append(mentor_id + j)
        n_sites = 1 if rng.random() < 0.75 else 2
        for _site in range(n_sites):
            sid = ids.take(Site)
            number = site_number(int(f"{SCALE_SITE_PREFIX % 10}{site_serial:06d}"))
            site_serial += 1
            site_postcode, site_town = (postcode, town) if _site == 0 else rng.choice(PLACES)
            site_rows.append({
                "id": sid, "company_id": cid, "number": number,
                "name": f"{kind} {last} {site_town}", "street": f"{rng.choice(streets)} "
                f"{rng.randint(1, 300)}", "postcode": site_postcode,
                "municipality": site_town, "created_at": now})
            options = by_sector[sector]
            weights = [sum(demand[p.id, y] for y in years) + 0.01 for p in options]
            first = None
            if queue[sector]:
                first = queue[sector][turn[sector] % len(queue[sector])]
                turn[sector] += 1
            chosen = {rng.choices(options, weights)[0].id
                      for _ in range(0 if first and rng.random() < 0.7 else 1)}
            chosen.discard(first)
            for programme_id in ([first] if first else []) + sorted(chosen):
                rid = ids.take(Recognition)
                # The programme handed out in turn is recognised for the whole period.
                roll = 0.0 if programme_id == first else rng.random()
                if roll < 0.8:
                    valid_from = date(current - 4, 7, 1) + timedelta(days=rng.randint(0, 60))
                elif roll < 0.92:
                    valid_from = date(rng.choice(years[1:]), 7, 1) + timedelta(
                        days=rng.randint(0, 60))
                else:
                    valid_from = None
                if valid_from is not None:
                    status = "approved"
                    valid_until = _add_years(valid_from, 5) - timedelta(days=1)
                    submitted = _at(valid_from - timedelta(days=rng.randint(10, 40)))
                    decided = submitted + timedelta(days=rng.randint(3, 20))
                    reason = ""
                else:
                    status = rng.choice(["submitted", "in_review", "refused", "withdrawn"])
                    submitted = _at(today - timedelta(days=rng.randint(1, 40)))
                    decided = submitted + timedelta(days=9) if status in (
                        "refused", "withdrawn") else None
                    reason = {"refused": "Geen mentor die aan de voorwaarden voldoet.",
                              "withdrawn": "Bedrijf stopt de activiteit op deze vestiging."}.get(
                                  status, "")
                    valid_until = None
                recognition_rows.append({
                    "id": rid, "site_id": sid, "programme_id": programme_id, "status": status,
                    "sworn_declaration": True, "submitted_at": submitted,
                    "submitted_by_id": None, "decided_at": decided, "decided_by_id": None,
                    "valid_from": valid_from, "valid_until": valid_until,
                    "decision_reason": reason, "note": ""})
                named = company_mentors or [mentor_id]
                for mentor in named[:3]:
                    link_rows.append({"recognition_id": rid, "mentor_id": mentor})
                if status == "approved" and company_mentors:
                    approved[programme_id].append((rid, sid, valid_from, valid_until,
                                                   company_mentors))
    counts["companies"] = _bulk(session, Company, company_rows)
    counts["sites"] = _bulk(session, Site, site_rows)
    counts["mentors"] = _bulk(session, Mentor, mentor_rows)
    counts["recognitions"] = _bulk(session, Recognition, recognition_rows)
    counts["recognition_mentors"] = _bulk(session, RecognitionMentor, link_rows)
    report(f"{counts['companies']} companies, {counts['sites']} sites, {counts['mentors']} "
           f"mentors, {counts['recognitions']} recognitions")
    del company_rows, site_rows, mentor_rows, recognition_rows, link_rows

    # Learners, trajectories, placements, agreements, evaluations: a batch at a time.
    trajectory_id = ids.take(Trajectory, m)
    load: Counter[tuple[int, int]] = Counter()
    cursor: Counter[tuple[int, int]] = Counter()
    document_id = _scale_document(session, ids, now)
    comments = ["Werkt nauwkeurig.", "Goede vooruitgang.", "Neemt initiatief.",
                "Moet stiptheid verbeteren.", "Werkt veilig en zelfstandig."]
    for start in range(0, m, BATCH):
        batch = learners[start:start + BATCH]
        learner_rows, trajectory_rows, placement_rows = [], [], []
        agreement_rows, signature_rows, moment_rows, evaluation_rows, score_rows = (
            [], [], [], [], [])
        for offset, (lid, school, year, programme, female, birth, insz) in enumerate(batch):
            sid, coordinator_id, postcode, town = school
            first = rng.choice(first_f if female else first_m)
            last = rng.choice(last_names)
            minor = _add_years(birth, 18) > date(year, 9, 1)
            guardian = f"{rng.choice(all_first)} {last}"
            learner_rows.append({
                "id": lid, "school_id": sid, "first_name": first, "last_name": last,
                "birth_date": birth, "gender": "F" if female else "M",
                "national_number": insz, "email": f"lerende.{lid}@example.com",
                "phone": rng.choice(phone),
                "street": f"{rng.choice(streets)} {rng.randint(1, 250)}", "postcode": postcode,
                "municipality": town, "language": "nl", "class_group": f"{rng.choice('56')}"
                f"{programme.code.split('-')[1][:3]}",
                "guardian_name": guardian if minor else "",
                "guardian_email": f"ouder.{lid}@example.com" if minor else "",
                "guardian_phone": rng.choice(phone) if minor else "",
                "anonymised_at": None, "created_at": now})
            tid = trajectory_id + start + offset
            starts = date(year, 9, 1)
            roll = rng.random()
            if year < current:
                status = ("qualified" if roll < 0.72 else "unqualified" if roll < 0.82
                          else "stopped" if roll < 0.92 else "reoriented")
            else:
                status = "stopped" if roll < 0.04 else "active"
            if status in ("qualified", "unqualified"):
                ends = date(year + 1, 6, 30)
            elif status == "active":
                ends = None
            else:
                latest = min(date(year + 1, 5, 31), today - timedelta(days=1))
                span = (latest - starts).days
                if span < 30:
                    status, ends = "active", None
                else:
                    ends = starts + timedelta(days=rng.randint(30, span))
            trajectory_rows.append({
                "id": tid, "learner_id": lid, "programme_id": programme.id, "school_id": sid,
                "coordinator_id": coordinator_id, "school_year": year, "starts_on": starts,
                "ends_on": ends, "status": status, "learning_form": "duaal",
                "end_reason": "" if status == "active" else "Einde traject.",
                "agreement_clock_starts_on": starts,
                "class_group": learner_rows[-1]["class_group"], "created_at": now})
            placement_ends = ends or date(year + 1, 6, 30)
            placement_starts = starts + timedelta(days=rng.randint(0, 14))
            placed = _pick_workplace(approved[programme.id], programme.cap, year,
                                     placement_starts, placement_ends, load, cursor,
                                     programme.id)
            pid = mentor = None
            if placed and placement_ends >= placement_starts:
                rid, site_id, mentor = placed
                pid = ids.take(Placement)
                hours = demo_hours(programme.sector, rng.choice((20.0, 24.0, 24.0, 28.0, 32.0)))
                placement_rows.append({
                    "id": pid, "trajectory_id": tid, "site_id": site_id, "mentor_id": mentor,
                    "recognition_id": rid, "starts_on": placement_starts,
                    "ends_on": placement_ends, "hours_per_week": hours,
                    "weekly_schedule": _demo_schedule(hours),
                    "recognition_lost_on": None, "created_at": now})
                aid = ids.take(Agreement)
                kind = programme_kind(programme.sector)
                allowance = (Decimal("1120.00") if kind == "part_time_employment"
                             else Decimal("0"))
                unsigned = year == current and rng.random() < 0.06
                signed_at = _at(placement_starts - timedelta(days=rng.randint(1, 10)))
                agreement_rows.append({
                    "id": aid, "placement_id": pid, "version": 1, "previous_version_id": None,
                    "kind": kind, "status": "awaiting_signatures" if unsigned else (
                        "terminated" if status in ("stopped", "reoriented") else "signed"),
                    "starts_on": placement_starts, "ends_on": placement_ends,
                    "hours_per_week": hours, "monthly_allowance": allowance,
                    "allowance_category": (1 + aid % 3 if kind == "alternating_training"
                                           else None),
                    "termination_kind": ("left_programme" if status in ("stopped", "reoriented")
                                         else None),
                    "sent_at": signed_at - timedelta(days=3),
                    "signed_at": None if unsigned else signed_at,
                    "terminated_on": ends if status in ("stopped", "reoriented") else None,
                    "termination_reason": "", "document_id": document_id,
                    "created_by_id": coordinator_id, "created_at": signed_at - timedelta(
                        days=4)})
                parties = ["learner", "company", "school"]
                if _add_years(birth, 18) > placement_starts:
                    parties.insert(1, "guardian")
                for party in parties:
                    pending = unsigned and party in ("learner", "guardian")
                    signature_rows.append({
                        "id": ids.take(Signature), "agreement_id": aid, "party": party,
                        "signer_email": f"{party}.{lid}@example.com", "signer_name": "",
                        "token_hash": None, "token_expires_at": None, "last_reminded_at": None,
                        "signed_at": None if pending else signed_at,
                        "ip": "" if pending else "192.0.2.1",
                        "user_agent": "" if pending else "scale", "document_sha256": "" if
                        pending else _SCALE_DOCUMENT_SHA})
            for index, (title, due) in enumerate(_moment_dates(starts)):
                if ends and due > ends:
                    continue
                mid = ids.take(EvaluationMoment)
                r = rng.random()
                if due >= today or pid is None:
                    moment_status = "planned"
                elif year < current:
                    moment_status = "reviewed" if r < 0.85 else "submitted" if r < 0.97 \
                        else "planned"
                else:
                    moment_status = ("reviewed" if r < 0.4 else "submitted" if r < 0.7
                                     else "draft" if r < 0.8 else "planned")
                moment_rows.append({"id": mid, "trajectory_id": tid, "title": title,
                                    "due_on": due, "status": moment_status,
                                    "created_at": _at(starts)})
                if moment_status == "planned":
                    continue
                eid = ids.take(Evaluation)
                submitted = _at(due + timedelta(days=rng.randint(-5, 12)))
                evaluation_rows.append({
                    "id": eid, "moment_id": mid, "mentor_id": mentor, "version": 1,
                    "general_comment": rng.choice(comments), "school_comment": "",
                    "sent_back_reason": "", "self_reflection": "", "self_reflection_at": None,
                    "submitted_at": None if moment_status == "draft" else submitted,
                    "reviewed_at": submitted + timedelta(days=4)
                    if moment_status == "reviewed" else None,
                    "reviewed_by_id": coordinator_id if moment_status == "reviewed" else None,
                    "updated_at": submitted})
                for competency in programme.workplace_competencies:
                    level = min(4, max(1, 1 + index + rng.choice((0, 1, 1, 2)) - (
                        rng.random() < 0.1)))
                    score_rows.append({
                        "id": ids.take(EvaluationScore), "evaluation_id": eid,
                        "competency_id": competency,
                        "level": None if rng.random() < 0.04 else level, "comment": ""})
        counts["learners"] += _bulk(session, Learner, learner_rows)
        counts["trajectories"] += _bulk(session, Trajectory, trajectory_rows)
        counts["placements"] += _bulk(session, Placement, placement_rows)
        counts["agreements"] += _bulk(session, Agreement, agreement_rows)
        counts["signatures"] += _bulk(session, Signature, signature_rows)
        counts["evaluation_moments"] += _bulk(session, EvaluationMoment, moment_rows)
        counts["evaluations"] += _bulk(session, Evaluation, evaluation_rows)
        counts["evaluation_scores"] += _bulk(session, EvaluationScore, score_rows)
        report(f"{counts['learners']}/{m} learners, {counts['placements']} placements, "
               f"{counts['evaluation_moments']} evaluation moments")
    _fix_sequences(session)
    return dict(counts)


def _pick_workplace(options: list[tuple[int, int, date, date, list[int]]], cap: int | None,
                    year: int, starts: date, ends: date, load: Counter[tuple[int, int]],
                    cursor: Counter[tuple[int, int]], programme_id: int
                    ) -> tuple[int, int, int] | None:
    """A recognition valid for the whole period and a mentor there with room, round robin."""
    if not options:
        return None
    first = cursor[programme_id, year]
    for step in range(min(len(options), 40)):
        rid, site_id, valid_from, valid_until, mentors = options[(first + step) % len(options)]
        if valid_from > starts or valid_until < ends:
            continue
        for mentor in mentors:
            if cap is None or load[mentor, year] < cap:
                load[mentor, year] += 1
                cursor[programme_id, year] = first + step + 1
                return rid, site_id, mentor
    cursor[programme_id, year] = first + 1
    return None


def _birth_sequences(session: Session) -> Counter[date]:
    """Generated national numbers per birth date so far (their day sequences start at 500)."""
    rows = session.execute(
        select(Learner.birth_date, func.count())
        .where(func.substr(Learner.national_number, 7, 3) >= "500")
        .group_by(Learner.birth_date)
    )
    return Counter(dict(rows.all()))


_SCALE_DOCUMENT = simple_pdf("Overeenkomst duaal leren (schaaltest)",
                             ["Gedeeld demo-document voor gegenereerde overeenkomsten."])
_SCALE_DOCUMENT_SHA = hashlib.sha256(_SCALE_DOCUMENT).hexdigest()


def _scale_document(session: Session, ids: _Ids, now: datetime) -> int:
    """The one stored PDF every generated agreement points to (created once)."""
    existing = session.execute(select(Document.id).where(
        Document.kind == "agreement", Document.sha256 == _SCALE_DOCUMENT_SHA,
        Document.subject_type == "scale")).scalar()
    if existing:
        return existing
    document_id = ids.take(Document)
    _bulk(session, Document, [{
        "id": document_id, "kind": "agreement", "filename": "overeenkomst-schaaltest.pdf",
        "media_type": "application/pdf", "content": _SCALE_DOCUMENT,
        "sha256": _SCALE_DOCUMENT_SHA, "size_bytes": len(_SCALE_DOCUMENT),
        "subject_type": "scale", "subject_id": None, "created_by_id": None,
        "created_at": now}])
    return document_id


def _fix_sequences(session: Session) -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in (School, User, SchoolHoliday, Company, Site, Mentor, Recognition, Learner,
                  Trajectory, Placement, Agreement, Signature, Document, EvaluationMoment,
                  Evaluation, EvaluationScore):
        table = model.__tablename__
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
