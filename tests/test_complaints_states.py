"""The state machine: every (from, to, actor) triple is either allowed by the table or refused."""
import itertools

import pytest

from app.complaints.states import TRANSITIONS, Actor, InvalidTransition, Status, allowed_targets, check_transition

ALL = list(itertools.product(Status, Status, Actor))


@pytest.mark.parametrize("current, target, actor", ALL)
def test_transition_table_is_enforced(current, target, actor):
    allowed = actor in TRANSITIONS.get((current, target), frozenset())
    if allowed:
        check_transition(current, target, actor)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(current, target, actor)


def test_withdrawn_is_final():
    assert all(not allowed_targets(Status.WITHDRAWN, actor) for actor in Actor)


def test_only_the_user_withdraws():
    for (current, target), actors in TRANSITIONS.items():
        if target == Status.WITHDRAWN:
            assert actors == {Actor.USER}, (current, target)


def test_a_decision_is_reopened_by_the_user_or_staff_never_by_the_system():
    for (current, target), actors in TRANSITIONS.items():
        if target == Status.REOPENED:
            assert actors == {Actor.USER, Actor.STAFF}, (current, target)


def test_merged_is_final_and_only_staff_merge():
    assert all(not allowed_targets(Status.MERGED, actor) for actor in Actor)
    assert all(Actor.USER not in actors for (_, target), actors in TRANSITIONS.items() if target == Status.MERGED)


def test_user_answer_returns_an_awaiting_complaint_to_review():
    assert allowed_targets(Status.AWAITING_USER, Actor.USER) == [Status.IN_REVIEW, Status.WITHDRAWN]
