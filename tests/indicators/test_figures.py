"""Every indicator of the constructed data set (conftest.py) comes out exactly as built."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow.indicators import targets
from dualflow.indicators.services import (
    DualYear,
    Flow,
    LeadTime,
    StemCounts,
    Timeliness,
    WorkplaceRow,
    histogram_median,
)
from dualflow.trajectories.models import ClassCouncilDecision
from tests.indicators.conftest import NEXT, REFERENCE, YEAR, trajectory_of


def test_stem_counts_per_track_and_level_for_a_school(counted_world, figures):
    data = figures(counted_world.coordinator_a)

    assert [group.key for group in data.groups] == [
        "bso", "tso_double", "hbo5:arbeidsmarkt", "bachelor"]
    # bso: P1 (STEM) 6 boys, 2 girls, 1 X and the girl in two programmes; P2 3 boys, 5 girls.
    bso = data.stem_of(YEAR, "bso")
    assert bso == StemCounts(learners=18, stem=10, girls=8, girls_stem=3)
    assert bso.stem_share == pytest.approx(100 * 10 / 18)
    assert bso.girls_among_stem == pytest.approx(30.0)
    assert bso.girls_choosing_stem == pytest.approx(37.5)
    # tso_double: STEM-zorg is not STEM.
    assert data.stem_of(YEAR, "tso_double") == StemCounts(9, 4, 5, 1)
    assert data.stem_of(YEAR, "tso_double").girls_among_stem == pytest.approx(25.0)
    assert data.stem_of(YEAR, "tso_double").girls_choosing_stem == pytest.approx(20.0)
    assert data.stem_of(YEAR, "bachelor") == StemCounts(4, 4, 2, 2)
    # STEM-licht is not STEM; without STEM learners the share of girls among them is unknown.
    hbo5 = data.stem_of(YEAR, "hbo5:arbeidsmarkt")
    assert hbo5 == StemCounts(2, 0, 2, 0)
    assert (hbo5.stem_share, hbo5.girls_among_stem, hbo5.girls_choosing_stem) == (0.0, None, 0.0)

    total = data.stem_totals[YEAR]
    assert total == StemCounts(learners=33, stem=18, girls=17, girls_stem=6)
    assert total.stem_share == pytest.approx(100 * 18 / 33)
    assert total.girls_among_stem == pytest.approx(100 * 6 / 18)
    assert total.girls_choosing_stem == pytest.approx(100 * 6 / 17)


def test_both_girls_shares_differ_and_are_labelled(counted_world, figures):
    from dualflow.indicators.tables import stem_table

    data = figures(counted_world.coordinator_a)
    with_labels = stem_table(data)
    labels = [column.label for column in with_labels.columns]
    assert "Aandeel meisjes onder de STEM-lerenden" in labels
    assert "Aandeel van de meisjes dat STEM volgt" in labels
    total = with_labels.rows[-1].values
    assert total[0] == "Totaal"
    among = labels.index("Aandeel meisjes onder de STEM-lerenden")
    choosing = labels.index("Aandeel van de meisjes dat STEM volgt")
    assert total[among] == pytest.approx(100 * 6 / 18)
    assert total[choosing] == pytest.approx(100 * 6 / 17)


def test_the_count_date_decides_who_is_counted(counted_world, figures, app):
    data = figures(counted_world.coordinator_a)
    # 1 February: the March starter is not counted yet, the January leaver no longer; the
    # learner whose trajectory ended on 1 February itself still is (bso has its 3 boys in P2).
    assert data.count_date == date(2023, 2, 1)
    assert data.stem_of(YEAR, "bso").learners == 18
    assert data.stem_of(YEAR, "tso_double").learners == 9

    # Counting on 15 March instead: the March starter comes in, the learner who ended on
    # 1 February drops out, and the count date is configuration.
    app.config["INDICATOR_TARGETS"] = {"count_date": "03-15"}
    try:
        later = figures(counted_world.coordinator_a)
    finally:
        del app.config["INDICATOR_TARGETS"]
    assert later.count_date == date(2023, 3, 15)
    assert later.stem_of(YEAR, "bso") == StemCounts(18, 11, 8, 3)
    assert later.stem_of(YEAR, "tso_double").learners == 9


def test_a_count_date_still_to_come_counts_on_today(counted_world, figures):
    data = figures(counted_world.coordinator_a, today=date(2022, 11, 30))
    assert data.official_count_date == date(2023, 2, 1)
    assert data.count_date == date(2022, 11, 30)
    # Everybody who started in September and has not left: the January leaver is still there.
    assert data.stem_of(YEAR, "tso_double").learners == 10


def test_gender_x_counts_in_every_total_but_never_as_a_girl(counted_world, figures, session):
    from dualflow.learners.models import Learner

    before = figures(counted_world.coordinator_a).stem_of(YEAR, "bso")
    x_learner = session.execute(select(Learner).where(
        Learner.school_id == counted_world.school_a.id, Learner.gender == "X")).scalar_one()
    x_learner.gender = "F"
    session.flush()
    after = figures(counted_world.coordinator_a).stem_of(YEAR, "bso")
    assert after.learners == before.learners and after.stem == before.stem
    assert (after.girls, after.girls_stem) == (before.girls + 1, before.girls_stem + 1)


def test_dual_share_against_the_reference_year_and_the_yearly_target(counted_world, figures):
    data = figures(counted_world.coordinator_a)
    assert not data.only_dual
    assert data.dual == [
        DualYear(REFERENCE, trajectories=8, dual=4, workplace_learning=4),
        # 34 trajectories of 33 learners: the girl in two programmes has two.
        DualYear(YEAR, trajectories=34, dual=29, workplace_learning=30),
        DualYear(NEXT, trajectories=3, dual=3, workplace_learning=3),
    ]
    reference, main, following = data.dual
    assert reference.dual_share == 50.0
    assert main.dual_share == pytest.approx(100 * 29 / 34)
    assert data.dual_change(main) == pytest.approx(100 * 29 / 34 - 50)
    assert data.dual_target(YEAR) == 55.0
    assert data.dual_change(following) == 50.0
    assert data.dual_target(NEXT) == 60.0
    assert data.dual_target(2030) == 95.0
    assert data.dual_growth(main) == pytest.approx(625.0)

    # Without data in the reference year, nothing is compared.
    unknown = figures(counted_world.coordinator_a, reference_year=2019)
    assert unknown.reference is None
    assert unknown.dual_change(unknown.dual[1]) is None
    assert unknown.dual_target(YEAR) is None


def test_a_school_with_only_dual_trajectories_is_flagged(counted_world, figures):
    from dualflow.indicators.tables import dual_table

    data = figures(counted_world.coordinator_b)
    assert data.only_dual
    assert data.dual == [DualYear(YEAR, 4, 4, 4)]
    table = dual_table(data)
    # No share column that could only ever say 100 %, and a sentence that says why.
    assert "dual_share" not in [column.key for column in table.columns]
    assert "enkel duale trajecten" in table.note


def test_intake_progression_and_qualified_exit(counted_world, figures, session):
    s = counted_world
    # The class council of 2022-23: the three P2 girls pass, the March starter does not.
    for pupil, decision in [*((pupil, "passes") for pupil in s.progressing),
                            (s.march_starter, "does_not_pass")]:
        session.add(ClassCouncilDecision(trajectory_id=trajectory_of(session, pupil).id,
                                         decision=decision, decided_on=date(2023, 6, 26)))
    session.commit()
    data = figures(s.coordinator_a)
    by_year = {flow.school_year: flow for flow in data.flow}
    # No decisions in 2021-22: the six trajectories ended as qualified are its outcomes.
    assert by_year[REFERENCE] == Flow(REFERENCE, intake=10, intake_stem=6, decided=6,
                                      progressed=6, qualified=6, qualified_stem=4,
                                      complete=True)
    assert by_year[REFERENCE].progression_share == 100.0
    # Intake counts the March starter and the January leaver too; decided: the ten qualified
    # learners and the four the council decided on.
    assert by_year[YEAR] == Flow(YEAR, intake=35, intake_stem=20, decided=14, progressed=13,
                                 qualified=10, qualified_stem=10, complete=True)
    assert by_year[YEAR].progression_share == pytest.approx(100 * 13 / 14)
    assert by_year[YEAR].qualified_share == pytest.approx(100 * 10 / 14)
    assert by_year[YEAR].undecided == 21
    # Nobody decided on yet: no share rather than 0 %.
    assert by_year[NEXT] == Flow(NEXT, intake=3, intake_stem=0, decided=0, progressed=0,
                                 qualified=0, qualified_stem=0, complete=True)
    assert by_year[NEXT].progression_share is None
    assert not by_year[2026].complete


def test_recognised_workplaces_and_lead_times(counted_world, figures):
    s = counted_world
    data = figures(s.admin)
    # (Sorted by sector name: the order of "=" and letters depends on the database collation.)
    assert set(data.workplaces) == {
        WorkplaceRow(s.sector_a.name, "Elektriciteit", s.p1.code, 2),
        WorkplaceRow(s.sector_b.name, "Verzorging", s.p2.code, 1),
    }
    # Expired at the end of 2022: counted on 1 February 2022, not 2023; valid from March 2023:
    # counted on 1 February 2024. The withdrawn one never.
    assert data.workplaces_by_year[REFERENCE] == 1
    assert data.workplaces_by_year[YEAR] == 3
    assert data.workplaces_by_year[NEXT] == 4

    # 2022-23: 5, 20, 10 and 14 days in sector A (term 14), 7 days in sector B (term 10).
    assert data.lead_time_by_year[YEAR] == LeadTime(decisions=5, within_term=4,
                                                    median_days=10.0)
    by_sector = {row.sector: row for row in data.lead_time_by_sector}
    assert by_sector[s.sector_a.name].lead_time == LeadTime(4, 3, 12.0)
    assert by_sector[s.sector_a.name].lead_time.within_term_share == 75.0
    assert by_sector[s.sector_b.name].lead_time == LeadTime(1, 1, 7.0)
    assert by_sector[s.sector_b.name].decision_days == 10
    # Decisions are counted in the school year they were taken in.
    assert data.lead_time_by_year[2019] == LeadTime(1, 0, 19.0)
    assert data.lead_time_by_year[REFERENCE] == LeadTime(1, 1, 10.0)
    assert data.recognition_years == list(range(2019, 2027))


def test_evaluation_timeliness(counted_world, figures):
    data = figures(counted_world.coordinator_a)
    # Seven due (the leaver's open moment is not), two on time (one in the evening of the due
    # date, one early), late by 1, 3, 7 and 10 days, one sent back and never resubmitted.
    assert data.timeliness == [
        Timeliness(YEAR, due=7, on_time=2, late=4, missing=1, median_days_late=5.0)]
    assert data.timeliness[0].on_time_share == pytest.approx(100 * 2 / 7)
    # The moment due after today is not counted yet; once it is due, it is missing.
    later = figures(counted_world.coordinator_a, today=date(2024, 10, 2))
    assert [(row.school_year, row.due, row.missing) for row in later.timeliness] == [
        (YEAR, 7, 1), (NEXT, 1, 1)]


def test_the_default_school_year_is_the_last_one_counted(counted_world, figures):
    # On 15 September 2024 the 2023-24 count (1 February 2024) is the latest one held.
    assert figures(counted_world.coordinator_a, school_year=None).filters.school_year == NEXT
    assert figures(counted_world.coordinator_a, school_year=None,
                   today=date(2023, 5, 1)).filters.school_year == YEAR


def test_targets_come_from_the_configuration(app):
    with app.test_request_context():
        defaults = targets.settings()
        assert defaults.reference_year == 2019
        assert defaults.stem_labels == ("stem",)
        bso = defaults.group_of("secundair", "arbeidsmarkt")
        assert (bso.baseline.total, bso.baseline.girls) == (37.02, 4.2)
        assert (bso.target.total, bso.target.girls) == (50.0, 20.0)
        assert defaults.group_of("bachelor", "doorstroom").key == "bachelor"
        assert defaults.group_of("hbo5", "arbeidsmarkt") is None

        app.config["INDICATOR_TARGETS"] = (
            '{"reference_year": 2020, "dual_points_per_year": 4, "stem_labels": ["stem",'
            ' "stem_zorg"], "groups": []}')
        try:
            configured = targets.settings()
        finally:
            del app.config["INDICATOR_TARGETS"]
    assert (configured.reference_year, configured.dual_points_per_year) == (2020, 4.0)
    assert configured.stem_labels == ("stem", "stem_zorg")
    assert configured.groups == ()
    assert configured.count_date(YEAR) == date(2023, 2, 1)


def test_configured_stem_labels_change_what_counts_as_stem(counted_world, figures, app):
    app.config["INDICATOR_TARGETS"] = {"stem_labels": ["stem", "stem_zorg"]}
    try:
        data = figures(counted_world.coordinator_a)
    finally:
        del app.config["INDICATOR_TARGETS"]
    # P4 (STEM-zorg) is STEM now: its 1 boy and 4 girls join P3's 4.
    assert data.stem_of(YEAR, "tso_double") == StemCounts(9, 9, 5, 5)


@pytest.mark.parametrize(("histogram", "median"), [
    ({}, None),
    ({7: 1}, 7.0),
    ({1: 1, 3: 1, 7: 1, 10: 1}, 5.0),
    ({2: 3, 9: 1}, 2.0),
    ({2: 2, 9: 2}, 5.5),
    ({1: 1, 4: 5, 30: 1}, 4.0),
])
def test_median_of_a_histogram(histogram, median):
    assert histogram_median(histogram) == median
