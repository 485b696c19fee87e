"""The contract's language follows the site's language region, not the learner's language."""

from __future__ import annotations

from sqlalchemy import select

from dualflow.agreements.models import Signature
from dualflow.modelbase import utcnow
from dualflow.reports.models import Document
from tests.agreements.conftest import draft, sent
from tests.agreements.test_contract import pdf_text, xmp_pdfa
from tests.clients import isolated_client
from tests.conftest import login

DUTCH = ("Overeenkomst alternerende opleiding", "Tussen de ondergetekenden", "Opleidingsplan",
         "24 uur per week", "pagina 1 van")
FRENCH = ("Contrat de formation en alternance", "Entre les soussignés", "Plan de formation",
          "24 heures par semaine", "page 1 sur")


def contract_text(session, agreement) -> str:
    return pdf_text(session.get(Document, agreement.document_id).content)


def test_french_speaking_learner_at_a_flemish_site_gets_a_dutch_contract(session, scene):
    assert scene.site_b1.postcode == "9000" and scene.learner_c.language == "fr"
    agreement, _tokens = sent(session, scene, scene.place_c)
    text = contract_text(session, agreement)
    for dutch in (*DUTCH, "Chloé Lambert", "€ 600,50"):
        assert dutch in text, dutch
    for french in (*FRENCH, "600,50 €"):
        assert french not in text, french
    # The learner still signs in French: the mail and page are not the contract.
    learner_row = session.execute(select(Signature).where(
        Signature.agreement_id == agreement.id, Signature.party == "learner")).scalar_one()
    assert learner_row.language == "fr"


def test_french_speaking_learner_at_a_brussels_site_gets_a_french_contract(session, scene):
    scene.site_b1.postcode, scene.site_b1.municipality = "1000", "Brussel"
    session.commit()
    agreement, _tokens = sent(session, scene, scene.place_c)
    content = session.get(Document, agreement.document_id).content
    text = pdf_text(content)
    for french in (*FRENCH, "Chloé Lambert", "L'apprenant", "ANNEXE 1 À LA",
                   "Compétences acquises sur le lieu de travail", "600,50 €", "lu et approuvé"):
        assert french in text, french
    for dutch in DUTCH:
        assert dutch not in text, dutch
    assert xmp_pdfa(content) == ("3", "B")


def test_dutch_speaking_learner_at_a_brussels_site_gets_a_dutch_contract(session, scene):
    scene.site_a1.postcode, scene.site_a1.municipality = "1000", "Brussel"
    session.commit()
    assert scene.learner_a.language == "nl"
    agreement, _tokens = sent(session, scene)
    text = contract_text(session, agreement)
    for dutch in DUTCH:
        assert dutch in text, dutch
    for french in FRENCH:
        assert french not in text, french


def test_agreement_page_says_in_which_language_and_why(app, session, scene):
    flemish = draft(session, scene, scene.place_c)
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    html = client.get(f"/agreements/{flemish.id}").get_data(as_text=True)
    assert ("Contract in het Nederlands: de werkplek ligt in het Nederlandse taalgebied."
            in html)
    scene.site_b1.postcode = "1000"
    session.commit()
    html = client.get(f"/agreements/{flemish.id}").get_data(as_text=True)
    assert "Contract in het Frans: de werkplek ligt in Brussel" in html


def test_a_dutch_contract_has_a_french_translation_for_information(app, session, scene):
    # The signing page reads the real clock: the links must be valid now.
    agreement, tokens = sent(session, scene, scene.place_c, now=utcnow())
    documents_before = session.execute(select(Document.id)).all()
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert f"/agreements/{agreement.id}/translation.pdf" in page
    response = client.get(f"/agreements/{agreement.id}/translation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "TRADUCTION POUR INFORMATION" in text and "NE PAS SIGNER" in text
    assert "Seul le texte néerlandais" in text
    for french in ("Contrat de formation en alternance", "Entre les soussignés", "Chloé Lambert"):
        assert french in text, french
    # The signed text stays the Dutch one; the translation is never stored.
    assert "Overeenkomst alternerende opleiding" in contract_text(session, agreement)
    assert session.execute(select(Document.id)).all() == documents_before
    # The French-speaking learner finds it on the signing page too.
    signer = isolated_client(app)
    sign_page = signer.get(f"/sign/{tokens['learner']}").get_data(as_text=True)
    assert f"/sign/{tokens['learner']}/translation.pdf" in sign_page
    translated = signer.get(f"/sign/{tokens['learner']}/translation.pdf")
    assert translated.status_code == 200
    assert "TRADUCTION POUR INFORMATION" in pdf_text(translated.data)


def test_the_translation_is_hidden_from_other_schools_and_absent_for_a_french_contract(
        app, session, scene):
    agreement, _tokens = sent(session, scene, scene.place_c)
    other = isolated_client(app)
    login(other, scene.coordinator_b)
    assert other.get(f"/agreements/{agreement.id}/translation.pdf").status_code == 404
    scene.site_a1.postcode, scene.site_a1.municipality = "1000", "Brussel"
    scene.learner_a.language = "fr"
    session.commit()
    french, _tokens = sent(session, scene)
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    assert "translation.pdf" not in client.get(f"/agreements/{french.id}").get_data(as_text=True)
    assert client.get(f"/agreements/{french.id}/translation.pdf").status_code == 404
