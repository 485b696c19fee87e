"""A data set whose every indicator is known by construction (see `counted_world`).

School year 2022-23 is the main year (count date 1 February 2023); 2021-22 is the reference
year of the dual share, 2023-24 the year some learners progress to. The expected figures are
worked out next to the rows that make them, and asserted in test_figures.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dualflow.evaluations.models import Evaluation
from dualflow.indicators import services, targets
from dualflow.trajectories.models import Trajectory
from tests import factories

YEAR, REFERENCE, NEXT = 2022, 2021, 2023
# A day after the 2023-24 count date and before the one evaluation moment due later.
TODAY = date(2024, 9, 15)


def at(day: date, hour: int = 10) -> datetime:
    """`day` at `hour` o'clock UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def trajectory_of(session, pupil, year: int = YEAR) -> Trajectory:
    """The learner's (first) trajectory of school year `year`."""
    return session.execute(select(Trajectory).where(
        Trajectory.learner_id == pupil.id, Trajectory.school_year == year)
        .order_by(Trajectory.id)).scalars().first()


class Builder:
    """Learners and trajectories in a few words each."""

    def __init__(self, session) -> None:
        self.session = session

    def learner(self, school, gender: str, name: str = "Lerende"):
        """A learner of `school` with `gender` (F, M or X)."""
        return factories.learner(self.session, school, gender=gender, first_name=name)

    def trajectory(self, learner, programme, *, year: int = YEAR, starts_on: date | None = None,
                   ends_on: date | str | None = "year end", status: str = "unqualified",
                   form: str = "duaal"):
        """A trajectory; by default the whole school year, ended without qualification."""
        if ends_on == "year end":
            ends_on = date(year + 1, 6, 30)
        if ends_on is None:
            status = "active"
        return factories.trajectory(
            self.session, learner, programme, school_year=year,
            starts_on=starts_on or date(year, 9, 1), ends_on=ends_on, status=status,
            learning_form=form)

    def learners_in(self, school, programme, genders: str, **fields) -> list:
        """One learner (with one trajectory) per letter of `genders`, e.g. 'MMFX'."""
        made = []
        for gender in genders:
            pupil = self.learner(school, gender)
            self.trajectory(pupil, programme, **fields)
            made.append(pupil)
        return made


def _programmes(session, world) -> SimpleNamespace:
    p = SimpleNamespace()
    # Sector A (Bouw): the STEM programmes; sector B (Zorg): the others.
    p.p1 = factories.programme(session, world.sector_a, name="Elektriciteit", competencies=0,
                               track="arbeidsmarkt", stem_label="stem")
    p.p2 = factories.programme(session, world.sector_b, name="Verzorging", competencies=0,
                               track="arbeidsmarkt", stem_label="niet_stem")
    p.p3 = factories.programme(session, world.sector_a, name="Elektromechanica",
                               competencies=0, track="dubbele_finaliteit", stem_label="stem")
    p.p4 = factories.programme(session, world.sector_b, name="Gezondheidszorg",
                               competencies=0, track="dubbele_finaliteit",
                               stem_label="stem_zorg")
    p.p5 = factories.programme(session, world.sector_a, name="Bachelor elektromechanica",
                               competencies=0, track="doorstroom", level="bachelor",
                               stem_label="stem")
    p.p6 = factories.programme(session, world.sector_b, name="Zorgkundige", competencies=0,
                               track="arbeidsmarkt", level="hbo5", stem_label="stem_licht")
    # A name a spreadsheet would run as a formula: the exports must defuse it.
    world.sector_b.name = "=Zorg+1"
    return p


def _learners(session, world, s: SimpleNamespace) -> None:
    b = Builder(session)
    school_a, school_b = world.school_a, world.school_b

    # --- 2021-22 (reference year), school A: 10 learners, 8 counted on 1 February 2022 -------
    # Four in P3 (STEM, dual, qualified) who move on to the bachelor P5 in 2022-23.
    s.bachelors = b.learners_in(school_a, s.p3, "MMFF", year=REFERENCE,
                                ends_on=date(2022, 6, 30), status="qualified")
    # Four in P2 (not STEM, school-based): two qualified, two not.
    b.learners_in(school_a, s.p2, "MF", year=REFERENCE, ends_on=date(2022, 6, 30),
                  status="qualified", form="schoolgebonden")
    b.learners_in(school_a, s.p2, "MF", year=REFERENCE, ends_on=date(2022, 6, 30),
                  form="schoolgebonden")
    # Two in P1 who stopped in December: intake, not counted on the count date.
    b.learners_in(school_a, s.p1, "MM", year=REFERENCE, ends_on=date(2021, 12, 15),
                  status="stopped")

    # --- 2022-23, school A --------------------------------------------------------------------
    # bso group (P1 STEM, P2 not): P1 6 boys (qualified), 2 girls, 1 X; P2 3 boys, 5 girls.
    b.learners_in(school_a, s.p1, "MMMMMM", status="qualified")
    b.learners_in(school_a, s.p1, "FFX")
    b.learners_in(school_a, s.p2, "MM")
    # Ended on the count date itself: still running that day, so counted.
    s.ends_on_count_date = b.learners_in(school_a, s.p2, "M", ends_on=date(2023, 2, 1),
                                         status="stopped")[0]
    s.progressing = b.learners_in(school_a, s.p2, "FFF")
    b.learners_in(school_a, s.p2, "FF")
    # One girl in two bso programmes at once: one learner, in STEM, two trajectories.
    s.two_programmes = b.learner(school_a, "F", "Twee")
    b.trajectory(s.two_programmes, s.p1)
    b.trajectory(s.two_programmes, s.p2)
    # Starts in March: intake, but not counted on 1 February.
    s.march_starter = b.learners_in(school_a, s.p1, "M", starts_on=date(2023, 3, 1))[0]
    # tso_double (P3 STEM, P4 STEM-zorg = not STEM): P3 3 boys and 1 girl; P4 1 boy, 4 girls.
    b.learners_in(school_a, s.p3, "MMMF")
    # Left in January: intake, not counted.
    s.january_leaver = b.learners_in(school_a, s.p3, "F", ends_on=date(2023, 1, 31),
                                     status="stopped")[0]
    b.learners_in(school_a, s.p4, "M")
    b.learners_in(school_a, s.p4, "FF", form="schoolgebonden")
    b.learners_in(school_a, s.p4, "F", form="werkplekleren")
    b.learners_in(school_a, s.p4, "F")
    # bachelor (P5 STEM): last year's four, qualified.
    for pupil in s.bachelors:
        b.trajectory(pupil, s.p5, status="qualified")
    # hbo5 (P6 STEM-licht = not STEM, no monitor group): two girls, school-based.
    b.learners_in(school_a, s.p6, "FF", form="schoolgebonden")

    # --- 2023-24, school A: three of the P2 girls move on to P4 ------------------------------
    for pupil in s.progressing:
        b.trajectory(pupil, s.p4, year=NEXT, ends_on=None)

    # --- 2022-23, school B: three boys in P1, one girl in P2 ---------------------------------
    b.learners_in(school_b, s.p1, "MMM")
    b.learners_in(school_b, s.p2, "F")


def _recognitions(session, world, s: SimpleNamespace) -> None:
    """Recognitions with known lead times; sector B decides within 10 days, sector A 14."""
    world.sector_b.decision_days = 10
    company = factories.company(session, name="Werkplek NV")
    site = factories.site(session, company)
    other_site = factories.site(session, company)

    def recognise(programme, *, submitted: date, decided: date | None, status: str,
                  valid: tuple[date, date] | None = None, on=site):
        return factories.recognition(
            session, on, programme, status=status,
            submitted_at=at(submitted), decided_at=at(decided, 15) if decided else None,
            valid_from=valid[0] if valid else None, valid_until=valid[1] if valid else None)

    far = date(2027, 12, 31)
    # Sector A, decided in 2022-23 after 5, 20, 10 and 14 days: median 12, 3 of 4 within 14.
    s.r1 = recognise(s.p1, submitted=date(2022, 10, 3), decided=date(2022, 10, 8),
                     status="approved", valid=(date(2022, 10, 8), far))
    s.r2 = recognise(s.p1, submitted=date(2022, 11, 1), decided=date(2022, 11, 21),
                     status="approved", valid=(date(2022, 11, 21), far), on=other_site)
    # Valid only from March: not yet a workplace on 1 February 2023, one on 1 February 2024.
    s.r3 = recognise(s.p3, submitted=date(2023, 1, 10), decided=date(2023, 1, 20),
                     status="approved", valid=(date(2023, 3, 1), far))
    s.r4 = recognise(s.p3, submitted=date(2022, 12, 1), decided=date(2022, 12, 15),
                     status="refused", on=other_site)
    # Sector B: decided in 2022-23 after 7 days (within its 10).
    s.r5 = recognise(s.p2, submitted=date(2022, 9, 5), decided=date(2022, 9, 12),
                     status="approved", valid=(date(2022, 9, 12), far))
    # Expired at the end of 2022: a workplace on 1 February 2022, not on 1 February 2023.
    s.r6 = recognise(s.p2, submitted=date(2019, 12, 1), decided=date(2019, 12, 20),
                     status="expired", valid=(date(2020, 1, 1), date(2022, 12, 31)),
                     on=other_site)
    # Withdrawn: never counted as a workplace (the withdrawal date is not kept).
    s.r7 = recognise(s.p4, submitted=date(2021, 12, 10), decided=date(2021, 12, 20),
                     status="withdrawn", valid=(date(2022, 1, 1), far))
    # Still open: no decision, no lead time.
    s.r8 = recognise(s.p4, submitted=date(2023, 1, 5), decided=None, status="submitted",
                     on=other_site)
    # School A's learner works at r1's site: the one workplace a coordinator of A counts.
    mentor = factories.mentor(session, company)
    factories.placement(session, trajectory_of(session, s.march_starter), mentor, s.r1,
                        starts_on=date(2023, 3, 1), ends_on=date(2023, 6, 30))
    s.company, s.site = company, site


def _evaluations(session, s: SimpleNamespace) -> None:
    """Moments of 2022-23: 7 due and counted, 2 on time, 4 late (1, 3, 7, 10 days), 1 open."""
    # A P2 trajectory that runs to the end of June.
    running = trajectory_of(session, s.progressing[0])
    leaver = trajectory_of(session, s.january_leaver)
    later = trajectory_of(session, s.progressing[1], NEXT)

    def moment(trajectory, due: date, *, submitted: datetime | None = None,
               status: str | None = None, draft: bool = False):
        status = status or ("submitted" if submitted else ("draft" if draft else "planned"))
        row = factories.evaluation_moment(session, trajectory, due_on=due, status=status)
        if submitted or draft:
            session.add(Evaluation(moment_id=row.id, submitted_at=submitted,
                                   reviewed_at=submitted if status == "reviewed" else None))
            session.flush()
        return row

    moment(running, date(2022, 11, 15), submitted=at(date(2022, 11, 15), 21))  # on time
    moment(running, date(2022, 11, 15), submitted=at(date(2022, 11, 10)))  # early
    moment(running, date(2022, 11, 15), submitted=at(date(2022, 11, 18)))  # 3 days late
    moment(running, date(2022, 12, 15), submitted=at(date(2022, 12, 25)))  # 10 days late
    moment(running, date(2023, 1, 10), submitted=at(date(2023, 1, 17)))  # 7 days late
    moment(running, date(2023, 3, 1), draft=True)  # sent back, never resubmitted: missing
    # The learner left in January: nobody will evaluate her in March; not counted.
    moment(leaver, date(2023, 3, 1))
    moment(running, date(2023, 3, 1), submitted=at(date(2023, 3, 2)),
           status="reviewed")  # 1 day late
    # Due after TODAY: not yet counted.
    moment(later, date(2024, 10, 1))


@pytest.fixture
def counted_world(session, world) -> SimpleNamespace:
    """`world` plus the indicator data set (see the module docstring and the comments)."""
    s = SimpleNamespace(**vars(world))
    vars(s).update(vars(_programmes(session, world)))
    _learners(session, world, s)
    _recognitions(session, world, s)
    _evaluations(session, s)
    session.commit()
    return s


@pytest.fixture
def figures(app, session):
    """compute(user, **filters) on TODAY with the default settings (2021-22 as reference)."""

    def compute(user, *, school_year: int | None = YEAR, reference_year: int = REFERENCE,
                today: date = TODAY, settings=None, **filters):
        with app.test_request_context():
            return services.compute(
                session, user,
                services.IndicatorFilters(school_year=school_year,
                                          reference_year=reference_year, **filters),
                settings=settings or targets.settings(), today=today)

    return compute
