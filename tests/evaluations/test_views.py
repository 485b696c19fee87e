"""The evaluation screens over HTTP: the mentor's form, the school's review, scope, the home."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.evaluations import services
from dualflow.evaluations.models import EvaluationScore
from tests import factories
from tests.clients import isolated_client
from tests.conftest import count_queries, fix_today, login
from tests.evaluations.conftest import fill

TODAY = date(2026, 11, 24)


def _url(moment, action: str = "") -> str:
    return f"/evaluations/{moment.id}" + (f"/{action}" if action else "")


def _form(s, levels: dict, *, comments: dict | None = None, general: str = "",
          seen: int | None = None) -> dict[str, str]:
    """The POST body of the mentor's form: {competency id: level or 'na'}."""
    data = {"general_comment": general, "seen_version": "" if seen is None else str(seen)}
    for competency_id, level in levels.items():
        data[f"score-{competency_id}"] = str(level)
    for competency_id, text in (comments or {}).items():
        data[f"comment-{competency_id}"] = text
    return data


def _stored(session, moment):
    """(status, version, general comment, {competency_id: (level, comment)}) as stored now."""
    session.expire_all()
    evaluation = services.evaluation_of(session, moment)
    if evaluation is None:
        return moment.status, None, None, {}
    rows = session.execute(
        select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id)
    ).scalars()
    return (moment.status, evaluation.version, evaluation.general_comment,
            {row.competency_id: (row.level, row.comment) for row in rows})


def _checked(page: str, competency, value) -> bool:
    """Whether the page shows `value` chosen for the competency's level."""
    tag = re.search(rf'<input[^>]*name="score-{competency.id}"[^>]*value="{value}"[^>]*>', page)
    return tag is not None and "checked" in tag.group(0)


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- the mentor's form -------------------------------------------------------------------------

def test_the_form_shows_the_workplace_competencies_with_big_level_buttons(client, scene):
    s = scene
    login(client, s.mentor_user_a)
    page = _text(client.get(_url(s.m2)))
    # c1 and c3 (workplace) and c4 (both), not the school competency c2.
    for competency in (s.c1, s.c3, s.c4):
        assert competency.title in page
        for value in ("1", "2", "3", "4", "na"):
            assert f'name="score-{competency.id}" type="radio" value="{value}"' in page
    assert s.c2.title not in page
    assert "niet verworven" in page and "zelfstandig" in page and "n.v.t." in page
    # No JavaScript needed: real radio inputs and labels, two submit buttons in one form.
    assert 'class="btn-check"' in page
    assert "Ontwerp bewaren" in page and f'formaction="{_url(s.m2, "submit")}"' in page
    assert 'name="seen_version" type="hidden" value=""' in page
    assert "Campus A" in page and "Metselaar" in page and s.site_a1.name in page
    assert "15/12/2026" in page


def test_the_mentor_saves_a_draft_then_submits_and_it_is_read_only(client, session, scene):
    s = scene
    login(client, s.mentor_user_a)
    response = client.post(_url(s.m1), data=_form(
        s, {s.c1.id: 2}, comments={s.c1.id: "Meet nog slordig."}, general="Goede start"))
    assert response.status_code == 302 and response.location.endswith(_url(s.m1))
    assert _stored(session, s.m1) == ("draft", 1, "Goede start",
                                      {s.c1.id: (2, "Meet nog slordig.")})

    page = _text(client.get(_url(s.m1)))
    assert "Het ontwerp is bewaard" in page
    assert _checked(page, s.c1, 2) and not _checked(page, s.c3, 2)
    assert "Meet nog slordig." in page
    assert 'name="seen_version" type="hidden" value="1"' in page

    response = client.post(_url(s.m1, "submit"), data=_form(
        s, {s.c1.id: 3, s.c3.id: 2, s.c4.id: "na"}, general="Goede start", seen=1))
    assert response.status_code == 302
    status, _version, general, levels = _stored(session, s.m1)
    assert (status, general) == ("submitted", "Goede start")
    assert levels == {s.c1.id: (3, ""), s.c3.id: (2, ""), s.c4.id: (None, "")}

    page = _text(client.get(_url(s.m1)))
    assert "De evaluatie is ingediend" in page
    assert 'id="evaluation-form"' not in page and 'type="radio"' not in page
    assert "3 · verworven" in page and "2 · in ontwikkeling" in page


def test_a_post_after_submission_is_refused_and_changes_nothing(client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None}, general_comment="Klaar")
    session.commit()
    before = _stored(session, s.m1)
    login(client, s.mentor_user_a)
    for action in ("", "submit"):
        response = client.post(_url(s.m1, action), data=_form(
            s, {s.c1.id: 4, s.c3.id: 4, s.c4.id: 4}, general="Toch anders", seen=before[1]))
        assert response.status_code == 422
        assert "kan niet meer gewijzigd worden" in _text(response) or \
            "Alleen een evaluatie in ontwerp" in _text(response)
    assert _stored(session, s.m1) == before


def test_submitting_with_an_open_competency_keeps_the_typed_input(client, session, scene):
    s = scene
    login(client, s.mentor_user_a)
    response = client.post(_url(s.m1, "submit"), data=_form(
        s, {s.c1.id: 4, s.c4.id: "na"}, comments={s.c1.id: "Zeer zelfstandig."}, general="Bijna"))
    assert response.status_code == 422
    page = _text(response)
    assert "nog open: Competentie 3" in page
    assert _checked(page, s.c1, 4) and _checked(page, s.c4, "na")
    assert "Zeer zelfstandig." in page and "Bijna" in page
    # Refused as a whole: nothing was stored, not even as a draft, and the page says so.
    assert _stored(session, s.m1) == ("planned", None, None, {})
    assert "text-bg-light\">gepland</span>" in page and ">ontwerp</span>" not in page


def test_the_previous_level_is_shown_as_a_hint(client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    session.commit()
    login(client, s.mentor_user_a)
    page = _text(client.get(_url(s.m2)))
    assert "Vorige keer: 2 · in ontwikkeling (13/10/2026)" in page
    assert "Vorige keer: 3 · verworven (13/10/2026)" in page
    # c4 was n.v.t. at the first moment: never assessed yet.
    assert page.count("Nog niet eerder beoordeeld.") == 1


# --- the school -------------------------------------------------------------------------------

def test_the_coordinator_reviews_with_a_comment_and_the_evaluation_is_locked(
        client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    session.commit()
    login(client, s.coordinator_a)
    page = _text(client.get(_url(s.m1)))
    assert "Nakijken" in page and 'name="school_comment"' in page
    assert 'type="radio"' not in page  # the school does not change the mentor's levels

    response = client.post(_url(s.m1, "review"),
                           data={"school_comment": "Besproken met Anna."})
    assert response.status_code == 302
    session.expire_all()
    evaluation = services.evaluation_of(session, s.m1)
    assert s.m1.status == "reviewed" and evaluation.school_comment == "Besproken met Anna."
    assert evaluation.reviewed_by_id == s.coordinator_a.id
    page = _text(client.get(_url(s.m1)))
    assert "Nagekeken door de school" in page and 'name="school_comment"' not in page

    client.post("/logout")
    login(client, s.mentor_user_a)
    page = _text(client.get(_url(s.m1)))
    assert "Besproken met Anna." in page and 'type="radio"' not in page


def test_sent_back_the_mentor_sees_the_reason_and_can_edit_again(client, session, scene,
                                                                   monkeypatch):
    s = scene
    fix_today(monkeypatch, TODAY)
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    session.commit()
    login(client, s.coordinator_a)
    refused = client.post(_url(s.m1, "send-back"), data={"reason": "  "})
    assert refused.status_code == 422 and "Geef de reden" in _text(refused)
    assert _stored(session, s.m1)[0] == "submitted"
    response = client.post(_url(s.m1, "send-back"),
                           data={"reason": "Licht het niveau van C3 toe."})
    assert response.status_code == 302
    assert _stored(session, s.m1)[0] == "draft"

    client.post("/logout")
    login(client, s.mentor_user_a)
    page = _text(client.get(_url(s.m1)))
    assert "Teruggestuurd door de school" in page and "Licht het niveau van C3 toe." in page
    assert _checked(page, s.c3, 3)  # the form is open again with the levels as they were
    home = _text(client.get("/"))
    assert 'id="sent-back"' in home and "Licht het niveau van C3 toe." in home
    assert f'href="{_url(s.m1)}"' in home

    response = client.post(_url(s.m1, "submit"), data=_form(
        s, {s.c1.id: 2, s.c3.id: 3, s.c4.id: "na"}, comments={s.c3.id: "Voegt netjes."},
        seen=_stored(session, s.m1)[1]))
    assert response.status_code == 302
    session.expire_all()
    assert s.m1.status == "submitted"
    assert services.evaluation_of(session, s.m1).sent_back_reason == ""


def test_only_the_school_reviews(client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    session.commit()
    login(client, s.mentor_user_a)
    assert client.post(_url(s.m1, "review"), data={"school_comment": "Zelf"}).status_code == 403
    assert client.post(_url(s.m1, "send-back"), data={"reason": "Zelf"}).status_code == 403
    assert _stored(session, s.m1)[0] == "submitted"


# --- two people, one evaluation -------------------------------------------------------------

def test_a_concurrent_save_is_refused_and_keeps_both_the_stored_and_the_typed(
        app, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2}, submit=False, general_comment="Begin")
    session.commit()
    first, second = isolated_client(app), isolated_client(app)
    for browser in (first, second):
        login(browser, s.mentor_user_a)
        assert 'name="seen_version" type="hidden" value="1"' in _text(
            browser.get(_url(s.m1)))

    assert first.post(_url(s.m1), data=_form(
        s, {s.c1.id: 3}, general="Eerste venster", seen=1)).status_code == 302
    response = second.post(_url(s.m1), data=_form(
        s, {s.c1.id: 4}, comments={s.c1.id: "Getypt in het tweede venster"},
        general="Tweede venster", seen=1))

    assert response.status_code == 409
    page = _text(response)
    assert "iemand anders bewaarde deze evaluatie intussen" in page
    assert "Hun versie is nu bewaard" in page
    # What the second person typed is still in the form ...
    assert _checked(page, s.c1, 4) and "Getypt in het tweede venster" in page
    assert "Tweede venster" in page
    # ... next to what is stored, which is the first person's version, untouched.
    assert "Bewaarde versie: 3 · verworven" in page
    assert _stored(session, s.m1) == ("draft", 2, "Eerste venster", {s.c1.id: (3, "")})

    # Saving again from that page replaces the stored version knowingly.
    assert 'name="seen_version" type="hidden" value="2"' in page
    assert second.post(_url(s.m1), data=_form(
        s, {s.c1.id: 4}, general="Tweede venster", seen=2)).status_code == 302
    assert _stored(session, s.m1) == ("draft", 3, "Tweede venster", {s.c1.id: (4, "")})


# --- who sees what ---------------------------------------------------------------------------

def test_a_mentor_gets_404_on_a_learner_he_or_she_does_not_guide(client, session, scene):
    s = scene
    login(client, s.mentor_user_b)  # guides learner_c only
    assert client.get(_url(s.m1)).status_code == 404
    assert client.post(_url(s.m1), data=_form(s, {s.c1.id: 2})).status_code == 404
    assert client.post(_url(s.m1, "submit"), data=_form(s, {s.c1.id: 2})).status_code == 404
    assert _stored(session, s.m1) == ("planned", None, None, {})


def test_a_coordinator_of_another_school_gets_404(client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    session.commit()
    login(client, s.coordinator_b)
    assert client.get(_url(s.m1)).status_code == 404
    assert client.post(_url(s.m1, "review"), data={"school_comment": "x"}).status_code == 404
    assert client.post(_url(s.m1, "send-back"), data={"reason": "x"}).status_code == 404
    assert _stored(session, s.m1)[0] == "submitted"


def test_others_in_scope_read_only(client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None}, general_comment="Prima")
    # Mentor B guides a later placement of Anna: sees the trajectory, not the moments that
    # fall in another mentor's placement (404, as for anything out of scope).
    factories.placement(session, s.traj_a, s.mentor_b, s.rec_a,
                        starts_on=date(2027, 7, 1), ends_on=date(2027, 8, 31))
    session.commit()
    for user in (s.company_user_a, s.admin):
        login(client, user)
        response = client.get(_url(s.m1))
        page = _text(response)
        assert response.status_code == 200, user.email
        assert "Prima" in page and "2 · in ontwikkeling" in page
        assert 'type="radio"' not in page and 'name="school_comment"' not in page
        client.post("/logout")
    login(client, s.mentor_user_b)
    assert client.get(f"/trajectories/{s.traj_a.id}").status_code == 200
    assert client.get(_url(s.m1)).status_code == 404
    assert client.post(_url(s.m2), data=_form(s, {s.c1.id: 2})).status_code == 404
    assert _stored(session, s.m2) == ("planned", None, None, {})
    client.post("/logout")
    login(client, s.sector_user_a)
    assert client.get(_url(s.m1)).status_code in (403, 404)


def test_the_trajectory_page_links_each_moment_with_its_status(client, session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    session.commit()
    login(client, s.coordinator_a)
    page = _text(client.get(f"/trajectories/{s.traj_a.id}"))
    for moment in (s.m1, s.m2, s.m3):
        assert f'href="{_url(moment)}"' in page
    moments = page[page.index('id="moments"'):]
    assert re.search(rf'href="{_url(s.m1)}"[^>]*>Eerste</a>\s*<span[^>]*>'
                     r'<span class="badge[^"]*text-bg-warning">ingediend', moments)


def test_saving_is_audited(client, session, scene):
    s = scene
    login(client, s.mentor_user_a)
    client.post(_url(s.m1), data=_form(s, {s.c1.id: 2}))
    actions = session.execute(
        select(AuditEvent.action, AuditEvent.actor_id).where(AuditEvent.entity_type ==
                                                             "evaluations")
    ).all()
    assert actions == [("evaluation.created", s.mentor_user_a.id)]


# --- the mentor's home --------------------------------------------------------------------------

def _home(client, monkeypatch) -> str:
    fix_today(monkeypatch, TODAY)
    response = client.get("/")
    assert response.status_code == 200
    return _text(response)


def _rows(page: str) -> list[str]:
    """The learner rows of the mentor's home, in order."""
    block = page[page.index('id="learners"'):]
    return re.findall(r'<a class="list-group-item[^"]*df-learner-row[^"]*"[^>]*>.*?</a>',
                      block, re.S)


def test_the_mentor_home_lists_learners_of_both_schools_overdue_first_in_red(
        client, session, scene, monkeypatch):
    s = scene
    # Bram (school B) is due next week; Anna (school A) was due on 13/10 (m1): overdue.
    bram_moment = factories.evaluation_moment(session, s.traj_b, title="Eerste evaluatie",
                                              due_on=date(2026, 12, 1))
    # Learner C is guided by mentor B: not Mia's.
    factories.evaluation_moment(session, s.traj_c, due_on=date(2026, 11, 1))
    session.commit()
    login(client, s.mentor_user_a)
    page = _home(client, monkeypatch)
    rows = _rows(page)
    assert len(rows) == 2
    anna, bram = rows
    assert "Anna Peeters" in anna and "Campus A" in anna
    assert "Bram Janssens" in bram and "Campus B" in bram
    assert "df-row-overdue" in anna and "te laat: 13/10/2026" in anna
    assert "df-row-overdue" not in bram and "te laat" not in bram
    # One tap: each row is a link straight to the form of its next open moment.
    assert f'href="{_url(s.m1)}"' in anna and f'href="{_url(bram_moment)}"' in bram
    assert "1 evaluatie is te laat" in page
    assert s.learner_c.last_name not in page


def test_the_mentor_home_skips_done_moments_and_shows_drafts(client, session, scene,
                                                             monkeypatch):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    fill(session, s, s.m2, {s.c1.id: 2}, submit=False)
    session.commit()
    login(client, s.mentor_user_a)
    anna = next(row for row in _rows(_home(client, monkeypatch)) if "Anna" in row)
    assert f'href="{_url(s.m2)}"' in anna and "ontwerp" in anna and "df-row-overdue" not in anna


def test_the_mentor_home_runs_a_bounded_number_of_queries(app, client, session, scene,
                                                         monkeypatch):
    s = scene
    factories.evaluation_moment(session, s.traj_b, due_on=date(2026, 12, 1))
    session.commit()
    login(client, s.mentor_user_a)
    _home(client, monkeypatch)
    with count_queries(app) as few:
        _home(client, monkeypatch)
    for n in range(5):
        learner = factories.learner(session, s.school_b if n % 2 else s.school_a,
                                    last_name=f"Extra {n}")
        trajectory = factories.trajectory(session, learner, s.programme_a)
        factories.placement(session, trajectory, s.mentor_a, s.rec_a)
        for month in (10, 12, 3):
            factories.evaluation_moment(session, trajectory,
                                        due_on=date(2026 if month > 6 else 2027, month, 5))
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    services.send_back(session, actor=s.coordinator_a, moment=s.m1, reason="Nog eens")
    session.commit()
    with count_queries(app) as many:
        page = _home(client, monkeypatch)
    assert len(_rows(page)) == 7
    assert len(many) == len(few), many


def test_an_open_moment_of_an_ended_placement_stays_on_the_mentor_home(client, session, scene,
                                                                       monkeypatch):
    s = scene
    # Mia guided learner D until 31/10; the evaluation of 20/10 is still hers to fill in.
    factories.placement(session, s.traj_d, s.mentor_a, s.rec_a,
                        starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 31))
    late = factories.evaluation_moment(session, s.traj_d, due_on=date(2026, 10, 20))
    factories.evaluation_moment(session, s.traj_d, due_on=date(2026, 12, 20))  # not hers
    session.commit()
    login(client, s.mentor_user_a)
    rows = _rows(_home(client, monkeypatch))
    learner_d = next(row for row in rows if s.learner_d.last_name in row)
    assert f'href="{_url(late)}"' in learner_d and "df-row-overdue" in learner_d
    assert "ander open moment" not in learner_d


def test_a_blank_level_counts_as_left_open_not_as_a_server_error(client, session, scene):
    s = scene
    login(client, s.mentor_user_a)
    response = client.post(_url(s.m1), data=_form(s, {s.c1.id: "\t", s.c3.id: 2}))
    assert response.status_code == 302
    assert _stored(session, s.m1) == ("draft", 1, "", {s.c3.id: (2, "")})
    refused = client.post(_url(s.m1, "submit"), data=_form(
        s, {s.c1.id: " ", s.c3.id: 2, s.c4.id: "na"}, seen=1))
    assert refused.status_code == 422
    assert "nog open: Competentie 1" in _text(refused)
