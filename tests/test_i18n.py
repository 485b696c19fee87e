"""The French and English catalogues: complete, in step with the code, and actually used."""

from __future__ import annotations

import re
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from dualflow.accounts import services as account_services
from dualflow.accounts.views import send_invitation
from dualflow.extensions import db
from dualflow.notifications.delivery import deliver_pending
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "dualflow" / "translations"
LANGUAGES = ("fr", "en")

# %(name)s, %(n)d, %(x).1f ... and the bare %s / %d forms.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0+]*\d*(?:\.\d+)?[a-zA-Z]|%[sdif%]")

# Words that are spelled the same in Dutch and the target language (anything else identical to
# its msgid is most likely an untranslated copy of the Dutch).
_SAME_EVERYWHERE = {"STEM", "Document", "Code", "Menu", "Contact", "E-mail", "XLSX", "CSV", "X",
                    "Excel (.xlsx)", "Excel (%(sheet)s)", "CSV, %(delimiter)s, %(encoding)s",
                    "max. %(count)d", "%(num)d moment"}
SAME_AS_DUTCH = {
    "fr": _SAME_EVERYWHERE | {"Niveau", "Agenda", "pp", "STEM-monitor %(year)s"},
    "en": _SAME_EVERYWHERE | {"School", "Sector", "Sector %(code)s", "Mentor", "Status", "Start",
                              "Filters", "Register", "Postcode", "tab", "Filter", "mentor",
                              "%(num)d mentor", "Mentor: %(mentor)s (%(company)s).",
                              "sector %(name)s",
                              "mentor %(name)s", "%(n)d open", "pp", "In STEM"},
}


def _po(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _catalog(language: str):
    with _po(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text)
                  if match.group(0) != "%%")


def _pairs(message):
    """(source, translation) pairs: plural forms are compared with the plural msgid."""
    if isinstance(message.id, str):
        return [(message.id, message.string)]
    singular, plural = message.id
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return [(singular if index == 0 else plural, string) for index, string in enumerate(strings)]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues(app):
    """Compile the catalogues when `make` has not (or the .po files are newer than the .mo)."""
    stale = [
        language for language in LANGUAGES
        if not _po(language).with_suffix(".mo").exists()
        or _po(language).with_suffix(".mo").stat().st_mtime < _po(language).stat().st_mtime
    ]
    if stale:
        CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(TRANSLATIONS)])
        # Flask-Babel caches a loaded catalogue (or its absence) per locale for the app's life.
        app.extensions["babel"].instance.domain_instance.cache.clear()


# --- the catalogues ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_keeps_its_placeholders(language):
    catalog = _catalog(language)
    messages = [message for message in catalog if message.id]
    assert len(messages) > 300
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for message in messages:
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms: {message.id!r}")
        for source, translation in _pairs(message):
            if not translation or not translation.strip():
                problems.append(f"empty: {source!r}")
            elif _placeholders(translation) != _placeholders(source):
                problems.append(f"placeholders differ: {source!r} -> {translation!r}")
            elif translation == source and source not in SAME_AS_DUTCH[language]:
                problems.append(f"still Dutch: {source!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_the_right_plural_rule(language):
    catalog = _catalog(language)
    assert str(catalog.locale) == language
    assert catalog.num_plurals == 2
    assert catalog.plural_expr == ("(n > 1)" if language == "fr" else "(n != 1)")


def _extract_keywords() -> list[str]:
    """The extra -k keywords of the Makefile's `translations` target."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    # The command with its continuation lines (each ending in a backslash).
    command = re.search(r"pybabel -q extract((?:[^\n]*\\\n)*[^\n]*)", makefile)
    assert command, "no pybabel extract in the Makefile"
    keywords = re.findall(r"-k\s+(\S+)", command.group(1))
    assert "_l" in keywords
    return keywords


def test_the_catalogues_are_up_to_date_with_the_code(tmp_path):
    template = tmp_path / "messages.pot"
    # Babel skips folders whose name starts with "_" unless told otherwise, and
    # templates/_macros holds translatable strings too: only hidden folders are left out.
    arguments = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
                 "-F", "dualflow/babel.cfg", "--ignore-dirs", ".* __pycache__",
                 "-o", str(template), "--project", "dualflow"]
    for keyword in _extract_keywords():
        arguments += ["-k", keyword]
    subprocess.run([*arguments, "."], cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    assert len(wanted) > 300
    for language in LANGUAGES:
        present = {message.id for message in _catalog(language) if message.id}
        missing = sorted(map(str, wanted - present))
        assert not missing, (
            f"{language}: {len(missing)} message(s) not in the catalogue; run "
            f"`make translations` and translate them:\n" + "\n".join(missing)
        )


# --- the catalogues in use -----------------------------------------------------------------


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "expected", "dutch"),
    [
        ("fr", ["Connexion à dualflow", "Se connecter", "Mot de passe", "Rester connecté"],
         ["Aanmelden", "Wachtwoord"]),
        ("en", ["Sign in to dualflow", "Sign in", "Password", "Stay signed in",
                "Forgotten your password?"],
         ["Aanmelden", "Wachtwoord"]),
    ],
)
def test_the_log_in_page_speaks_the_chosen_language(client, language, expected, dutch):
    response = client.post("/language", data={"language": language, "next": "/login"})
    assert response.status_code == 302
    html = _page(client, "/login")
    assert f'<html lang="{language}">' in html
    for text in expected:
        assert text in html, text
    for text in dutch:
        assert text not in html, text


def test_a_coordinator_sees_a_french_dashboard(client, world):
    login(client, world.coordinator_a)
    response = client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 302
    html = _page(client, "/")
    assert '<html lang="fr">' in html
    assert "<title>Aperçu · dualflow</title>" in html
    navigation = html.split('id="mainNav"', 1)[1].split("</nav>", 1)[0]
    for label in ("Aperçu", "Utilisateurs", "Entreprises", "Registre", "Se déconnecter",
                  "Accompagnateur de trajet"):
        assert label in navigation, label
    for label in ("Overzicht", "Gebruikers", "Ondernemingen", "Afmelden", "Trajectbegeleider"):
        assert label not in navigation, label
    footer = html.split("<footer", 1)[1]
    assert "formation en alternance en Flandre et à Bruxelles" in footer


def test_a_french_user_gets_a_french_invitation(app, session, world, outbox):
    with app.test_request_context():
        user, raw = account_services.invite(
            session, actor=world.admin, email="camille.dubois@example.be",
            full_name="Camille Dubois", role="coordinator", school_id=world.school_a.id,
            language="fr",
        )
        session.commit()
        send_invitation(user, raw, world.admin)
        db.session.commit()
    deliver_pending()
    mails = list(outbox.glob("*.eml"))
    assert len(mails) == 1
    message = BytesParser(policy=policy.default).parsebytes(mails[0].read_bytes())
    assert message["To"] == "camille.dubois@example.be"
    assert message["Subject"] == "Vous êtes invité à rejoindre dualflow"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Bonjour Camille Dubois," in body
        assert "Ada Admin vous invite à utiliser dualflow" in body
        assert "Beste" not in body and "nodigt je uit" not in body
    assert "Choisissez votre mot de passe" in html
    assert "camille.dubois@example.be" in text


def test_a_dutch_user_still_gets_a_dutch_invitation(app, session, world, outbox):
    with app.test_request_context():
        user, raw = account_services.invite(
            session, actor=world.admin, email="jan.peeters@example.be",
            full_name="Jan Peeters", role="coordinator", school_id=world.school_a.id,
        )
        session.commit()
        send_invitation(user, raw, world.admin)
        db.session.commit()
    deliver_pending()
    (mail,) = outbox.glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    assert message["Subject"] == "Je bent uitgenodigd voor dualflow"
    assert "Beste Jan Peeters," in message.get_body(("plain",)).get_content()


def test_an_english_user_gets_an_english_invitation(app, session, world, outbox):
    with app.test_request_context():
        user, raw = account_services.invite(
            session, actor=world.admin, email="sam.taylor@example.be", full_name="Sam Taylor",
            role="sector", sector_id=world.sector_a.id, language="en",
        )
        session.commit()
        send_invitation(user, raw, world.admin)
        db.session.commit()
    deliver_pending()
    (mail,) = outbox.glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    assert message["Subject"] == "You have been invited to dualflow"
    assert "Dear Sam Taylor," in message.get_body(("plain",)).get_content()
