"""Learning-rate schedules against their formulas."""

from __future__ import annotations

import math

import pytest

from app.engine.schedules import SCHEDULES, make_schedule


def test_constant() -> None:
    schedule = make_schedule("constant", 0.1, epochs=10)
    assert [schedule.rate(e, 1.0) for e in range(1, 5)] == [0.1] * 4


def test_step_decay() -> None:
    schedule = make_schedule("step", 0.1, epochs=50, step_size=3, factor=0.5)
    rates = [schedule.rate(e, 1.0) for e in range(1, 8)]
    assert rates == pytest.approx([0.1 * 0.5 ** (e // 3) for e in range(1, 8)])
    assert rates[:2] == pytest.approx([0.1, 0.1]) and rates[2] == pytest.approx(0.05)


def test_cosine_anneals_to_the_minimum_at_the_last_epoch() -> None:
    schedule = make_schedule("cosine", 0.1, epochs=10, min_rate=0.01)
    for e in range(1, 11):
        expected = 0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2
        assert schedule.rate(e, 1.0) == pytest.approx(expected)
    assert schedule.rate(5, 1.0) == pytest.approx(0.055)
    assert schedule.rate(10, 1.0) == pytest.approx(0.01)


def test_reduce_on_plateau() -> None:
    schedule = make_schedule("plateau", 0.1, epochs=50, patience=2, factor=0.5, min_rate=0.02)
    losses = [1.0, 0.9, 0.95, 0.91, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
    rates = [schedule.rate(e, loss) for e, loss in enumerate(losses, start=1)]
    # Two epochs without beating 0.9 halve the rate; 0.8 resets the count; the floor holds.
    assert rates == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02])


def test_unknown_schedule_is_refused() -> None:
    assert set(SCHEDULES) == {"constant", "step", "cosine", "plateau"}
    with pytest.raises(ValueError, match="Unknown learning-rate schedule"):
        make_schedule("exponential", 0.1, epochs=10)
