"""Erlang C waiting-time estimates against independent reference values, and the slot labels."""
import math

import pytest

from app.contact import hints, queueing


def test_seven_agents_five_erlangs_matches_reference_values():
    estimate = queueing.estimate(calls_per_hour=100, handling_seconds=180, agents=7, target_seconds=20)

    assert estimate.load == pytest.approx(5.0)
    assert estimate.p_wait == pytest.approx(15625 / 48203, abs=1e-9)
    assert estimate.average_wait_seconds == pytest.approx(29.17, abs=0.01)
    assert estimate.answered_within_target == pytest.approx(0.7404, abs=1e-4)


def test_fifty_five_agents_forty_eight_erlangs_matches_reference_values():
    estimate = queueing.estimate(calls_per_hour=720, handling_seconds=240, agents=55, target_seconds=15)

    assert estimate.average_wait_seconds == pytest.approx(8.18, abs=0.01)
    assert estimate.answered_within_target == pytest.approx(0.846, abs=1e-3)


@pytest.mark.parametrize("agents", [3, 5])
def test_agents_not_above_offered_load_are_overloaded_without_numbers(agents):
    estimate = queueing.estimate(calls_per_hour=100, handling_seconds=180, agents=agents)

    assert estimate.overloaded
    assert estimate.average_wait_seconds is None and estimate.answered_within_target is None
    assert queueing.erlang_c(agents, 5.0) == 1.0
    assert hints.label_for(estimate) == "very_busy"


def test_zero_agents_is_overloaded_not_a_division_error():
    estimate = queueing.estimate(calls_per_hour=10, handling_seconds=180, agents=0)

    assert estimate.overloaded and estimate.p_wait is None


def test_no_calls_means_no_wait():
    estimate = queueing.estimate(calls_per_hour=0, handling_seconds=180, agents=3)

    assert (estimate.p_wait, estimate.average_wait_seconds, estimate.answered_within_target) == (0.0, 0.0, 1.0)


def test_very_large_roster_stays_finite():
    estimate = queueing.estimate(calls_per_hour=2_000_000, handling_seconds=180, agents=100_200)

    assert not estimate.overloaded
    assert math.isfinite(estimate.average_wait_seconds) and 0 <= estimate.p_wait <= 1
    assert 0 < queueing.erlang_b(5000, 4900.0) < 1


@pytest.mark.parametrize("wait, label", [(0, "quiet"), (30, "quiet"), (31, "normal"), (120, "normal"),
                                         (121, "busy"), (900, "busy")])
def test_labels_follow_the_documented_thresholds(wait, label):
    estimate = queueing.QueueEstimate(load=1, overloaded=False, p_wait=0.5, average_wait_seconds=wait,
                                      answered_within_target=0.5)

    assert hints.label_for(estimate) == label
