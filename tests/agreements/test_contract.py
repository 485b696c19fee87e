"""The contract PDF: read back with pypdf, PDF/A, stored once with its hash, in two languages."""

from __future__ import annotations

import hashlib
import io
import time

import pypdf
from sqlalchemy import select

from dualflow.agreements import contract
from dualflow.agreements.models import Signature
from dualflow.companies.services import format_kbo
from dualflow.reports.models import Document
from tests.agreements.conftest import TODAY, draft, sent


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def xmp_pdfa(content: bytes) -> tuple[str, str]:
    """(pdfaid:part, pdfaid:conformance) from the XMP metadata."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    xml = reader.xmp_metadata.rdf_root.toxml()
    namespace = "http://www.aiim.org/pdfa/ns/id/"
    for node in reader.xmp_metadata.rdf_root.getElementsByTagNameNS(
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "Description"):
        if node.hasAttributeNS(namespace, "part"):
            return node.getAttributeNS(namespace, "part"), node.getAttributeNS(namespace,
                                                                                "conformance")
    raise AssertionError(f"no PDF/A identification in {xml}")


def test_sent_contract_holds_parties_dates_hours_allowance_and_annex(session, scene):
    agreement, _tokens = sent(session, scene)
    document = session.get(Document, agreement.document_id)
    text = pdf_text(document.content)
    # Parties: learner, guardian (a minor), company with KBO, site, mentor, school, coordinator.
    mentor = f"{scene.mentor_a.first_name} {scene.mentor_a.last_name}"
    for expected in ("Anna Peeters", "Marc Peeters", "Bouw A BV", "Sofie Van Damme",
                     scene.site_a1.name, mentor, "Campus A", "Tom Coördinator",
                     format_kbo(scene.company_a.kbo_number)):
        assert expected in text, expected
    assert "Overeenkomst alternerende opleiding" in text
    assert "01/09/2026" in text and "30/06/2027" in text
    assert "24 uur per week" in text
    assert "categorie 1" in text and "€ 600,50" in text
    # The annex: the training plan with the programme's competencies and the moments.
    assert "BIJLAGE 1 BIJ OVK-" in text and "Opleidingsplan" in text
    for title in ("Metselwerk uitzetten volgens plan", "Bouwplannen lezen", "Voegwerk uitvoeren",
                  "Eerste evaluatie", "13/10/2026", "Tweede evaluatie", "15/12/2026"):
        assert title in text, title
    assert "Competenties op de werkplek" in text and "Competenties op school" in text
    pages = len(pypdf.PdfReader(io.BytesIO(document.content)).pages)
    assert pages >= 3
    assert f"pagina 1 van {pages}" in text and f"pagina {pages} van {pages}" in text


def test_contract_is_pdf_a_3b_with_embedded_font_on_a4(session, scene):
    agreement, _tokens = sent(session, scene)
    content = session.get(Document, agreement.document_id).content
    assert xmp_pdfa(content) == ("3", "B")
    reader = pypdf.PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("DF-DejaVu-Sans" in font["/BaseFont"] for font in fonts)
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # embedded, not referenced
    assert reader.metadata.title.startswith("Overeenkomst alternerende opleiding · Anna Peeters")


def test_stored_document_hash_matches_its_bytes_and_never_changes(session, scene):
    agreement, _tokens = sent(session, scene)
    document = session.get(Document, agreement.document_id)
    assert document.sha256 == hashlib.sha256(document.content).hexdigest()
    assert document.size_bytes == len(document.content)
    assert document.subject_type == "agreement" and document.subject_id == agreement.id
    # The same data renders the same bytes: the hash identifies the contract, not the moment.
    assert contract.render(agreement.contract_data) == document.content
    signatures = session.execute(select(Signature).where(
        Signature.agreement_id == agreement.id)).scalars().all()
    assert {s.document_id for s in signatures} == {document.id}


def test_adult_learner_has_no_guardian_party(session, scene):
    agreement, tokens = sent(session, scene, scene.place_c)
    assert set(tokens) == {"learner", "company", "school"}
    text = pdf_text(session.get(Document, agreement.document_id).content)
    assert "Marc Peeters" not in text


def test_each_kind_has_its_own_contract(session, scene):
    scene.sector_a.allows_part_time_employment = True
    session.commit()
    titles = {
        "internship": ("Stageovereenkomst alternerende opleiding", "geen leervergoeding"),
        "alternating_training": ("Overeenkomst alternerende opleiding", "leervergoeding van"),
        "part_time_employment": ("Deeltijdse arbeidsovereenkomst", "bruto maandloon"),
    }
    agreement = draft(session, scene)
    for kind, (title, pay) in titles.items():
        agreement.kind = kind
        agreement.hours_per_week = 16 if kind == "internship" else 24
        agreement.allowance_category = 1 if kind == "alternating_training" else None
        data = contract.contract_data(session, agreement, today=TODAY)
        text = pdf_text(contract.render(data))
        assert title in text and pay in text, kind


def test_render_time_of_the_contract(session, scene):
    """Sending waits for the render, so a user notices a slow one; the bound is generous (the
    render takes about half a second here). The timing itself: tests/tools/measure_contract.py."""
    agreement = draft(session, scene)
    data = contract.contract_data(session, agreement, today=TODAY)
    contract.render(data)
    start = time.perf_counter()
    contract.render(data)
    assert time.perf_counter() - start < 5
