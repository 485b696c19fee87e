"""Programmes and their competencies (the standard path) on the administration screens."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.catalog import services
from dualflow.catalog.models import Competency, Programme
from dualflow.errors import DomainError
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.trajectories.models import Trajectory
from tests import factories
from tests.admin.helpers import main_html, queries_for
from tests.conftest import login


def _programme_data(sector, **fields) -> dict:
    data = {
        "code": "ELEK-3",
        "name": "Elektricien",
        "sector_id": sector.id,
        "track": "arbeidsmarkt",
        "level": "secundair",
        "stem_label": "stem",
        "is_active": "y",
    }
    data.update(fields)
    return {key: str(value) for key, value in data.items()}


def _count(session, model) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _codes(session, programme: Programme) -> list[tuple[int, str]]:
    session.expire_all()
    return [
        (competency.position, competency.code)
        for competency in services.competencies_of(session, programme)
    ]


def _table_body(response) -> str:
    page = main_html(response)
    return page[page.index("<tbody>"):page.index("</tbody>")]


def test_admin_creates_a_programme(client, session, world):
    login(client, world.admin)
    form = client.get("/admin/programmes/new").get_data(as_text=True)
    assert "Bouw" in form and "Zorg" in form and "Dubbele finaliteit" in form
    response = client.post("/admin/programmes/new", data=_programme_data(world.sector_a))
    assert response.status_code == 302
    programme = session.execute(select(Programme).where(Programme.code == "ELEK-3")).scalar_one()
    assert programme.sector_id == world.sector_a.id and programme.stem_label == "stem"
    assert response.location.endswith(f"/admin/programmes/{programme.id}")
    assert session.execute(
        select(AuditEvent).where(AuditEvent.action == "programme.created")
    ).scalar_one().entity_id == programme.id
    page = main_html(client.get(response.location))
    assert "Elektricien" in page and "Arbeidsmarktgericht" in page and "STEM" in page
    assert "Secundair onderwijs" in page


def test_duplicate_programme_code_is_refused(client, session, world):
    login(client, world.admin)
    before = _count(session, Programme)
    response = client.post(
        "/admin/programmes/new",
        data=_programme_data(world.sector_a, code=world.programme_b.code),
    )
    assert response.status_code == 422
    assert f"Er bestaat al een opleiding met code {world.programme_b.code}." in (
        response.get_data(as_text=True)
    )
    assert _count(session, Programme) == before


@pytest.mark.parametrize(
    "fields",
    [{"sector_id": ""}, {"sector_id": "999999"}, {"sector_id": "x"}, {"track": "vrij"},
     {"stem_label": "STEM"}, {"code": ""}, {"code": "C" * 31}],
)
def test_bad_programme_input_is_a_field_error(client, session, world, fields):
    login(client, world.admin)
    before = _count(session, Programme)
    response = client.post("/admin/programmes/new",
                           data=_programme_data(world.sector_a, **fields))
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert _count(session, Programme) == before


def test_admin_edits_a_programme(client, session, world):
    login(client, world.admin)
    programme = world.programme_a
    response = client.post(
        f"/admin/programmes/{programme.id}/edit",
        data=_programme_data(world.sector_a, code=programme.code, name="Metselaar-voeger",
                             track="dubbele_finaliteit", stem_label="stem_licht"),
    )
    assert response.status_code == 302
    session.expire_all()
    changed = session.get(Programme, programme.id)
    assert (changed.name, changed.track, changed.stem_label) == (
        "Metselaar-voeger", "dubbele_finaliteit", "stem_licht",
    )
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "programme.updated")
    ).scalar_one()
    assert event.changes["track"] == ["arbeidsmarkt", "dubbele_finaliteit"]


def test_editing_to_a_code_in_use_is_refused(client, session, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/programmes/{world.programme_a.id}/edit",
        data=_programme_data(world.sector_a, code=world.programme_b.code),
    )
    assert response.status_code == 422
    session.expire_all()
    assert session.get(Programme, world.programme_a.id).code != world.programme_b.code


def test_programme_list_search_and_filters(client, session, world):
    factories.programme(session, world.sector_b, name="Verpleegkunde", code="VPK",
                        track="doorstroom", level="hbo5", stem_label="stem_zorg")
    factories.programme(session, world.sector_a, name="Dakwerker", code="DAK",
                        stem_label="niet_stem", track="dubbele_finaliteit")
    session.commit()
    login(client, world.admin)

    def listing(query: str) -> str:
        return main_html(client.get(f"/admin/programmes?{query}"))

    everything = listing("")
    for text in ("Metselaar", "Zorgkundige", "Verpleegkunde", "Dakwerker", "Doorstroom",
                 "STEM-zorg", "Niet-STEM", "HBO5"):
        assert text in everything
    assert "Verpleegkunde" in listing("q=verpleeg") and "Dakwerker" not in listing("q=verpleeg")
    assert "Dakwerker" in listing("q=dak")
    by_sector = listing(f"sector_id={world.sector_a.id}")
    assert "Dakwerker" in by_sector and "Zorgkundige" not in by_sector
    by_track = listing("track=doorstroom")
    assert "Verpleegkunde" in by_track and "Metselaar" not in by_track
    by_stem = listing("stem_label=stem_zorg")
    assert "Zorgkundige" in by_stem and "Verpleegkunde" in by_stem and "Dakwerker" not in by_stem
    combined = listing(f"sector_id={world.sector_b.id}&stem_label=stem_zorg&q=zorg")
    assert "Zorgkundige" in combined and "Verpleegkunde" not in combined
    assert "Metselaar" in listing("sector_id=abc&track=nope&page=-3")


def test_competencies_are_added_moved_and_deleted_with_contiguous_positions(
    client, session, world
):
    login(client, world.admin)
    programme = factories.programme(session, world.sector_a, competencies=0, code="LAS")
    session.commit()
    url = f"/admin/programmes/{programme.id}"
    for code, title, location in [
        ("LAS1", "Veilig werken op de werkvloer", "workplace"),
        ("LAS2", "Lastechnieken kennen", "school"),
        ("LAS3", "Een lasnaad beoordelen", "both"),
    ]:
        response = client.post(f"{url}/competencies",
                               data={"code": code, "title": title, "location": location})
        assert response.status_code == 302
    assert _codes(session, programme) == [(1, "LAS1"), (2, "LAS2"), (3, "LAS3")]

    last = session.execute(select(Competency).where(Competency.code == "LAS3")).scalar_one()
    response = client.post(f"{url}/competencies/{last.id}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert _codes(session, programme) == [(1, "LAS1"), (2, "LAS3"), (3, "LAS2")]

    first = session.execute(select(Competency).where(Competency.code == "LAS1")).scalar_one()
    client.post(f"{url}/competencies/{first.id}/move", data={"direction": "up"})  # no-op at top
    assert _codes(session, programme) == [(1, "LAS1"), (2, "LAS3"), (3, "LAS2")]

    assert client.post(f"{url}/competencies/{first.id}/delete").status_code == 302
    assert _codes(session, programme) == [(1, "LAS3"), (2, "LAS2")]

    rows = _table_body(client.get(url))
    assert rows.index("LAS3") < rows.index("LAS2")
    assert "Beide" in rows and "School" in rows and "Werkplek" not in rows
    assert [event.action for event in session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "competencies")
        .order_by(AuditEvent.id)
    ).scalars()] == ["competency.created"] * 3 + ["competency.moved", "competency.deleted"]


def test_competency_page_shows_location_flags_in_order(client, world):
    login(client, world.admin)
    response = client.get(f"/admin/programmes/{world.programme_a.id}")
    page, body = main_html(response), _table_body(response)
    assert body.index("C1") < body.index("C2") < body.index("C3")
    assert body.count("Werkplek") == 2 and body.count("School") == 1
    assert "1 op school · 2 op de werkplek · 0 beide" in page


def test_competency_edit_and_duplicate_code(client, session, world):
    login(client, world.admin)
    programme = world.programme_a
    first, second = services.competencies_of(session, programme)[:2]
    url = f"/admin/programmes/{programme.id}/competencies"

    response = client.post(f"{url}/{second.id}/edit",
                           data={"code": first.code, "title": "x", "location": "school"})
    assert response.status_code == 422
    assert f"Deze opleiding heeft al een competentiecluster met code {first.code}." in (
        response.get_data(as_text=True)
    )
    response = client.post(url, data={"code": first.code, "title": "x", "location": "school"})
    assert response.status_code == 422
    assert _count(session, Competency) == 6

    # The same code in another programme is fine.
    other = world.programme_b
    response = client.post(f"/admin/programmes/{other.id}/competencies",
                           data={"code": "C9", "title": "Nieuw", "location": "both"})
    assert response.status_code == 302

    response = client.post(f"{url}/{second.id}/edit",
                           data={"code": "C2b", "title": "Metselwerk uitzetten",
                                 "location": "both"})
    assert response.status_code == 302
    session.expire_all()
    changed = session.get(Competency, second.id)
    assert (changed.code, changed.location, changed.position) == ("C2b", "both", 2)


def test_competency_of_another_programme_is_404(client, session, world):
    login(client, world.admin)
    foreign = services.competencies_of(session, world.programme_b)[0]
    url = f"/admin/programmes/{world.programme_a.id}/competencies/{foreign.id}"
    assert client.get(f"{url}/edit").status_code == 404
    assert client.post(f"{url}/delete").status_code == 404
    assert client.post(f"{url}/move", data={"direction": "down"}).status_code == 404
    assert _count(session, Competency) == 6


def test_move_needs_a_direction(client, session, world):
    login(client, world.admin)
    competency = services.competencies_of(session, world.programme_a)[0]
    url = f"/admin/programmes/{world.programme_a.id}/competencies/{competency.id}/move"
    assert client.post(url, data={"direction": "sideways"}).status_code == 400


def test_evaluated_competency_cannot_be_deleted(client, session, world):
    trajectory = session.execute(
        select(Trajectory).where(Trajectory.programme_id == world.programme_a.id)
    ).scalar_one()
    moment = EvaluationMoment(trajectory_id=trajectory.id, title="Eerste evaluatie",
                              due_on=date(2026, 10, 15))
    session.add(moment)
    session.flush()
    evaluation = Evaluation(moment_id=moment.id)
    session.add(evaluation)
    session.flush()
    competency = services.competencies_of(session, world.programme_a)[0]
    session.add(EvaluationScore(evaluation_id=evaluation.id, competency_id=competency.id,
                                level=3))
    session.commit()

    login(client, world.admin)
    response = client.post(
        f"/admin/programmes/{world.programme_a.id}/competencies/{competency.id}/delete",
        follow_redirects=True,
    )
    assert "werd al geëvalueerd en kan niet meer verwijderd worden" in response.get_data(
        as_text=True
    )
    assert _codes(session, world.programme_a) == [(1, "C1"), (2, "C2"), (3, "C3")]


def test_service_heals_gaps_in_positions(session, world):
    programme = world.programme_a
    for competency, position in zip(services.competencies_of(session, programme), (2, 5, 9),
                                    strict=True):
        competency.position = position
    session.flush()
    services.add_competency(session, actor=world.admin, programme=programme, code="C4",
                            title="Vier", location="school")
    assert _codes(session, programme) == [(1, "C1"), (2, "C2"), (3, "C3"), (4, "C4")]


def test_service_refuses_unknown_location(session, world):
    with pytest.raises(DomainError) as refused:
        services.add_competency(session, actor=world.admin, programme=world.programme_a,
                                code="C9", title="x", location="thuis")
    assert refused.value.field == "location"


@pytest.mark.parametrize("role", ["coordinator_a", "sector_user_a", "mentor_user_a"])
def test_programme_screens_are_for_admins_only(client, world, role):
    login(client, getattr(world, role))
    programme = world.programme_a
    assert client.get("/admin/programmes").status_code == 403
    assert client.get(f"/admin/programmes/{programme.id}").status_code == 403
    assert client.post(f"/admin/programmes/{programme.id}/competencies",
                       data={"code": "X", "title": "X", "location": "school"}).status_code == 403


def test_programme_list_queries_do_not_grow_with_the_data(app, client, session, world):
    login(client, world.admin)

    def add(count: int) -> None:
        for index in range(count):
            factories.programme(session, (world.sector_a, world.sector_b)[index % 2],
                                competencies=2)
        session.commit()

    add(5)
    small = queries_for(app, client, "/admin/programmes")
    add(35)
    assert queries_for(app, client, "/admin/programmes") == small


def test_programme_page_queries_do_not_grow_with_the_competencies(app, client, session, world):
    login(client, world.admin)
    url = f"/admin/programmes/{world.programme_a.id}"

    def add(count: int) -> None:
        for _ in range(count):
            number = _count(session, Competency) + 100
            services.add_competency(session, actor=world.admin, programme=world.programme_a,
                                    code=f"X{number}", title="Extra", location="school")
        session.commit()

    add(2)
    small = queries_for(app, client, url)
    add(30)
    assert queries_for(app, client, url) == small
