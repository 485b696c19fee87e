"""The contract's language follows the site's language region, not the learner's language."""

from __future__ import annotations

from sqlalchemy import select

from dualflow.agreements.models import Signature
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
