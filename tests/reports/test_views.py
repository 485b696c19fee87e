"""The batch page, its progress JSON and the download: a coordinator's own school only."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from dualflow.reports import batches
from dualflow.reports.models import ReportBatch
from tests.conftest import count_queries, login


def _queue(session, s, **selection) -> ReportBatch:
    selection.setdefault("school_year", 2026)
    selection.setdefault("programme_id", None)
    selection.setdefault("class_group", "")
    batch = batches.request_batch(session, actor=s.coordinator_a, **selection)
    session.commit()
    return batch


def test_the_form_offers_the_schools_own_choices(client, group):
    login(client, group.coordinator_a)
    page = client.get("/reports/batches").get_data(as_text=True)
    assert "Voortgangsrapporten per groep" in page
    assert '<option selected value="2026">2026-27</option>' in page
    assert '<option value="2025">2025-26</option>' in page
    assert "5BOa" in page and "5BOb" in page
    assert "Metselaar" in page and "Zorgkundige" in page
    assert "Nog geen ZIP aangevraagd." in page


def test_asking_queues_a_batch_and_the_page_shows_its_progress(client, session, group):
    s = group
    login(client, s.coordinator_a)
    response = client.post("/reports/batches", data={
        "school_year": "2026", "programme_id": str(s.programme_a.id), "class_group": "5BOb"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "De ZIP met 2 voortgangsrapporten wordt gemaakt." in page
    batch = session.execute(select(ReportBatch)).scalar_one()
    assert (batch.school_id, batch.class_group, batch.total_count) == (s.school_a.id, "5BOb", 2)
    assert "in de wachtrij" in page
    assert f'data-batch-progress="/reports/batches/{batch.id}.json"' in page
    assert 'aria-valuemax="2" aria-valuenow="0"' in page
    assert "Vernieuwen" in page  # works without JavaScript too
    assert "report_batches.js" in page

    progress = client.get(f"/reports/batches/{batch.id}.json").get_json()
    assert (progress["status"], progress["done"], progress["total"]) == ("queued", 0, 2)
    assert "download_url" not in progress

    batches.process_report_batches()
    progress = client.get(f"/reports/batches/{batch.id}.json").get_json()
    assert (progress["status"], progress["done"], progress["finished"]) == ("done", 2, True)
    page = client.get("/reports/batches").get_data(as_text=True)
    assert "ZIP downloaden" in page and "data-batch-progress" not in page

    download = client.get(progress["download_url"])
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert "voortgangsrapporten_2026-27" in download.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert sorted(names) == ["Peeters_Anna_Metselaar.pdf", "Wouters_Lien_Metselaar.pdf"]


def test_an_empty_choice_is_refused_on_the_page(client, session, group):
    login(client, group.coordinator_a)
    response = client.post("/reports/batches", data={
        "school_year": "2025", "programme_id": "0", "class_group": "5BOa"})
    assert response.status_code == 422
    assert "Er zijn geen trajecten van je school voor schooljaar 2025-26" in response.get_data(
        as_text=True)
    assert session.execute(select(ReportBatch)).first() is None


def test_a_value_outside_the_choices_is_a_field_error(client, session, group):
    login(client, group.coordinator_a)
    response = client.post("/reports/batches", data={
        "school_year": "1999", "programme_id": "0", "class_group": ""})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert session.execute(select(ReportBatch)).first() is None


def test_the_page_says_when_the_worker_does_not_seem_to_run(client, session, group):
    batch = _queue(session, group)
    batch.created_at -= timedelta(minutes=2)
    session.commit()
    login(client, group.coordinator_a)
    page = client.get("/reports/batches").get_data(as_text=True)
    assert "de achtergrondverwerking lijkt niet te draaien" in page
    assert client.get(f"/reports/batches/{batch.id}.json").get_json()["waiting_too_long"]


def test_a_failed_batch_says_so(client, session, group):
    batch = _queue(session, group)
    batch.status, batch.error = "failed", "Het voortgangsrapport van Lien Wouters kon niet " \
                                          "gemaakt worden."
    session.commit()
    login(client, group.coordinator_a)
    page = client.get("/reports/batches").get_data(as_text=True)
    assert "mislukt" in page and "Lien Wouters kon niet gemaakt worden" in page
    assert client.get(f"/reports/batches/{batch.id}/download").status_code == 404


@pytest.mark.parametrize("suffix", [".json", "/download"])
def test_another_schools_batch_is_a_404(client, session, group, suffix):
    batch = _queue(session, group)
    batches.process_report_batches()
    login(client, group.coordinator_b)
    assert client.get(f"/reports/batches/{batch.id}{suffix}").status_code == 404
    page = client.get("/reports/batches").get_data(as_text=True)
    assert f"batch-{batch.id}" not in page


def test_the_batch_pages_are_for_coordinators(client, group):
    for who in ("mentor_user_a", "admin", "sector_user_a"):
        login(client, getattr(group, who))
        assert client.get("/reports/batches").status_code == 403
        client.post("/logout")


def test_the_list_takes_the_same_queries_for_one_batch_or_many(app, client, session, group):
    login(client, group.coordinator_a)
    _queue(session, group)
    with count_queries(app) as one:
        client.get("/reports/batches")
    for class_group in ("5BOa", "5BOb"):
        _queue(session, group, class_group=class_group)
    _queue(session, group, programme_id=group.programme_a.id)
    with count_queries(app) as four:
        assert "batch-" in client.get("/reports/batches").get_data(as_text=True)
    assert len(four) == len(one) <= 12
