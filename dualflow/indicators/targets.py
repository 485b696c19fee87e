"""Reference values, 2030 targets and counting rules of the STEM-agenda indicators.

The defaults come from the STEM-platform's advice of January 2022 (seed 003, "Streefcijfers",
lines 219-497) as summarised in DOMAIN.md's last section. They change with policy, so they are
configuration: set `INDICATOR_TARGETS` in the application config (a dict), or the environment
variable `DUALFLOW_INDICATOR_TARGETS` to JSON text or to the path of a JSON file. Top-level keys
given there replace the defaults below; keys left out keep them. Example:

    DUALFLOW_INDICATOR_TARGETS='{"reference_year": 2020, "count_date": "02-03",
                                 "dual_points_per_year": 4}'

Keys:
- `count_date` ("MM-DD"): the count date of school year Y falls in calendar year Y + 1. The
  official count is on the first school day of February (seed 003:147); 1 February is used so
  that the date is the same for every school and does not depend on holiday calendars.
- `reference_year`: the school year (its first calendar year) the change in dual trajectories is
  measured against; 2019 is 2019-20 (seed 003:136).
- `dual_points_per_year`: the target growth of the share of dual trajectories, in percentage
  points a year from the reference year (seed 003:136: +5).
- `target_year`: the horizon of the targets (2030).
- `stem_labels`: the programme STEM labels counted as STEM. The STEM monitor counts only
  "STEM"; STEM-licht, STEM-zorg and niet-STEM together are "niet-STEM" (seed 004:1095).
- `groups`: per group of programmes (a level, and for secondary education a track), the
  monitor's reference value, its 2019-20 value and the 2030 target, each a share of learners in
  STEM programmes (`total`) and of girls (`girls`). The seed does not say which of the two
  "girls" shares it means; its aim of a 50/50 distribution among STEM pupils reads as the share
  of girls among STEM learners, so that is the share these values stand beside.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app

from dualflow.modelbase import Level, StemLabel, Track

DEFAULT_TARGETS: dict[str, Any] = {
    "count_date": "02-01",
    "reference_year": 2019,
    "dual_points_per_year": 5.0,
    "target_year": 2030,
    "stem_labels": [StemLabel.STEM.value],
    "groups": [
        {"key": "bso", "level": Level.SECONDARY.value, "track": Track.LABOUR_MARKET.value,
         "reference": {"year": 2010, "total": 37.90, "girls": 3.68},
         "baseline": {"year": 2019, "total": 37.02, "girls": 4.2},
         "target": {"total": 50.0, "girls": 20.0}},
        {"key": "tso_double", "level": Level.SECONDARY.value, "track": Track.DOUBLE.value,
         "reference": {"year": 2010, "total": 40.16, "girls": 13.81},
         "baseline": {"year": 2019, "total": 39.91, "girls": 15.95},
         "target": {"total": 50.0, "girls": 33.0}},
        {"key": "tso_progression", "level": Level.SECONDARY.value,
         "track": Track.PROGRESSION.value,
         "reference": None, "baseline": None,
         "target": {"total": 40.0, "girls": 40.0}},
        {"key": "bachelor", "level": Level.BACHELOR.value, "track": None,
         "reference": {"year": 2010, "total": 23.82, "girls": 21.13},
         "baseline": {"year": 2019, "total": 27.86, "girls": 25.11},
         "target": {"total": 40.0, "girls": 40.0}},
        {"key": "adult", "level": Level.SECONDARY_ADULT.value, "track": None,
         "reference": {"year": 2013, "total": 28.5, "girls": 47.45},
         "baseline": {"year": 2019, "total": 23.89, "girls": 45.92},
         "target": {"total": 30.0, "girls": 50.0}},
    ],
}


@dataclass(frozen=True)
class Benchmark:
    """A share of learners in STEM and of girls, at a school year (None: not measured)."""

    year: int | None
    total: float | None
    girls: float | None


@dataclass(frozen=True)
class GroupTarget:
    """The monitor's figures for one group of programmes (a level, maybe with a track)."""

    key: str
    level: str
    track: str | None
    reference: Benchmark | None
    baseline: Benchmark | None
    target: Benchmark

    def covers(self, level: str, track: str) -> bool:
        """Whether programmes of `level` and `track` belong to this group."""
        return self.level == level and (self.track is None or self.track == track)


@dataclass(frozen=True)
class IndicatorSettings:
    """The counting rules and targets in force (defaults merged with the configuration)."""

    count_month: int
    count_day: int
    reference_year: int
    dual_points_per_year: float
    target_year: int
    stem_labels: tuple[str, ...]
    groups: tuple[GroupTarget, ...]

    def count_date(self, school_year: int) -> date:
        """The official count date of `school_year` (in its second calendar year)."""
        return date(school_year + 1, self.count_month, self.count_day)

    def group_of(self, level: str, track: str) -> GroupTarget | None:
        """The monitor group programmes of `level` and `track` belong to, if any."""
        return next((group for group in self.groups if group.covers(level, track)), None)


def _configured() -> dict[str, Any]:
    """The overrides from the app config, else from DUALFLOW_INDICATOR_TARGETS."""
    configured = current_app.config.get("INDICATOR_TARGETS")
    if configured is None:
        configured = os.environ.get("DUALFLOW_INDICATOR_TARGETS", "").strip() or None
    if configured is None:
        return {}
    if isinstance(configured, str):
        text = configured
        if not text.lstrip().startswith("{"):
            text = Path(text).read_text(encoding="utf-8")
        configured = json.loads(text)
    if not isinstance(configured, dict):
        raise ValueError("INDICATOR_TARGETS must be a JSON object")
    return configured


def _benchmark(value: dict[str, Any] | None) -> Benchmark | None:
    if not value:
        return None
    return Benchmark(year=value.get("year"), total=value.get("total"), girls=value.get("girls"))


def settings() -> IndicatorSettings:
    """The indicator settings of the running application."""
    merged = copy.deepcopy(DEFAULT_TARGETS)
    merged.update(_configured())
    month, day = (int(part) for part in str(merged["count_date"]).split("-"))
    date(2000, month, day)  # refuses an impossible date at once, not on some page later
    groups = tuple(
        GroupTarget(key=group["key"], level=group["level"], track=group.get("track"),
                    reference=_benchmark(group.get("reference")),
                    baseline=_benchmark(group.get("baseline")),
                    target=_benchmark(group.get("target")) or Benchmark(None, None, None))
        for group in merged["groups"]
    )
    return IndicatorSettings(
        count_month=month, count_day=day,
        reference_year=int(merged["reference_year"]),
        dual_points_per_year=float(merged["dual_points_per_year"]),
        target_year=int(merged["target_year"]),
        stem_labels=tuple(merged["stem_labels"]),
        groups=groups,
    )
