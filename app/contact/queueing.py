"""Erlang C waiting-time estimates for a staffed channel in one hour slot.

Erlang C models calls that arrive at random (Poisson), wait in one queue and are served by `agents`
identical agents. P(wait) is computed from the Erlang B recursion B_k = A·B_{k-1} / (k + A·B_{k-1}),
which stays finite for any roster, unlike the closed form with A^N / N!.
"""
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueEstimate:
    """Offered load (Erlangs), P(wait), average speed of answer and service level of one slot."""

    load: float
    overloaded: bool
    p_wait: float | None
    average_wait_seconds: float | None
    answered_within_target: float | None


def erlang_b(agents, load):
    """Return the Erlang B blocking probability for `agents` servers and `load` Erlangs."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(agents, load):
    """Return the probability that a caller has to wait; 1.0 when the queue cannot drain."""
    if agents <= load:
        return 1.0
    blocking = erlang_b(agents, load)
    return agents * blocking / (agents - load * (1 - blocking))


def estimate(calls_per_hour, handling_seconds, agents, target_seconds=20):
    """Estimate waiting for one hour slot; overloaded slots (agents ≤ load) get no numbers."""
    load = calls_per_hour * handling_seconds / 3600
    if load == 0 and agents > 0:
        return QueueEstimate(0.0, False, 0.0, 0.0, 1.0)
    if agents <= load:
        return QueueEstimate(load, True, None, None, None)
    p_wait = erlang_c(agents, load)
    average_wait = p_wait * handling_seconds / (agents - load)
    within = 1 - p_wait * math.exp(-(agents - load) * target_seconds / handling_seconds)
    return QueueEstimate(load, False, p_wait, average_wait, within)
