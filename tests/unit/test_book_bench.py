"""bench/book_gen.py: the drawn book parses as scenarios, holds every kind of end, and its
walk stops on the first of every month (where billing periods begin)."""

from __future__ import annotations

import random
from datetime import date

from bench.book_gen import BOOK_DATE, ENDS, busy_days, draw
from infra.simulate.scenario import parse_scenario


def test_a_drawn_book_parses_and_ends_every_way() -> None:
    drawn = [draw(i, random.Random(i)) for i in range(300)]
    ends = {d.end for d in drawn}
    assert ends == {name for name, _ in ENDS} | {"running"}
    for d in drawn:
        scenario = parse_scenario(d.document)
        assert scenario.steps[-1].on <= BOOK_DATE
        assert scenario.terms.contract_number == d.number


def test_the_walk_stops_on_each_step_and_the_first_of_every_month() -> None:
    scenario = parse_scenario(draw(7, random.Random(7)).document)
    days = [day for day, _ in busy_days(scenario.steps)]
    assert days == sorted(set(days))
    assert {s.on for s in scenario.steps} <= set(days)
    first, last = scenario.steps[0].on, scenario.steps[-1].on
    month = date(first.year, first.month, 1)
    while month <= last:
        assert month in days or month < first
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
