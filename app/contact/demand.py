"""Contacts expected per hour of the week: the configured baseline reshaped by what the portal observes.

Observed demand comes from a list of sources. A source is a callable `source(since, until)` that yields
`(hour_start, count)` pairs (aware datetimes); pairs outside [since, until) are ignored, so a source may
yield more than asked. Contact-page visits are the first source; the app factory passes the others to `init_app`
(complaints per hour, from app.complaints.demand), so this module needs to know nothing about them.

Blending. Observations say *when* people need help, not how many calls the hotline gets, so they
reshape the baseline without rescaling its weekly total. Per hour-of-week slot s, with b_s the summed
baseline of the staffed channels, B = Σ b_s, o_s the observed count over the last weeks and O = Σ o_s:

    share_s      = (o_s + K · b_s / B) / (O + K)      # the baseline shape acts as K prior observations
    multiplier_s = share_s / (b_s / B)                 # clamped to MULTIPLIER_RANGE

so with no data the multiplier is 1 (pure baseline), and as observations pile up it tends to the
observed share over the planned share. A channel's expected contacts are baseline × multiplier.
Until some open slot has MIN_SLOT_OBSERVATIONS, nothing is blended at all: the pages then say the
estimates rest on the baseline alone, and that must stay literally true.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from flask import current_app

from app import counters

VISIT_COUNTER = "contact_visit"
BUCKET_FORMAT = "%Y-%m-%dT%H"
PRIOR_STRENGTH = 500  # K: how many observations the baseline shape is worth
MIN_SLOT_OBSERVATIONS = 5  # fewer than this in a slot: "too little data", the baseline dominates
MULTIPLIER_RANGE = (0.5, 2.0)  # a burst of visits (a bot, a viral post) cannot swing estimates further
SOURCES_KEY = "contact_demand_sources"


@dataclass(frozen=True)
class DemandModel:
    """Per (weekday, hour) multipliers for the baseline and the observations behind them."""

    multipliers: dict
    observed: Counter

    def multiplier(self, weekday, hour):
        """Return the factor that turns baseline contacts into expected contacts for a slot."""
        return self.multipliers.get((weekday, hour), 1.0)

    def enough_data(self, weekday, hour):
        """Tell whether the portal observed enough in this slot to adjust the baseline."""
        return self.observed[(weekday, hour)] >= MIN_SLOT_OBSERVATIONS

    @property
    def min_observations(self):
        """How many observations a slot needs before it counts as having enough data."""
        return MIN_SLOT_OBSERVATIONS

    @property
    def has_data(self):
        """Tell whether any slot has enough observations."""
        return any(count >= MIN_SLOT_OBSERVATIONS for count in self.observed.values())


NEUTRAL = DemandModel({}, Counter())


def record_contact_visit(moment):
    """Count a contact-page visit in the hour of `moment` (portal local time), without a DB write."""
    counters.record(VISIT_COUNTER, moment.strftime(BUCKET_FORMAT))


def contact_visits(since, until):
    """Yield (hour start, visits) for contact-page visits counted by app.counters."""
    for bucket, count in counters.totals(VISIT_COUNTER).items():
        try:
            yield dt.datetime.strptime(bucket, BUCKET_FORMAT).replace(tzinfo=since.tzinfo), count
        except ValueError:
            continue


def init_app(app, sources=()):
    """Observe this app's demand from contact-page visits and `sources`, each `source(since, until)`."""
    app.extensions[SOURCES_KEY] = (contact_visits, *sources)


def observed_by_slot(until, weeks, sources=None):
    """Sum every source's events of the `weeks` before `until` per (weekday, hour) in `until`'s timezone."""
    since = until - dt.timedelta(weeks=weeks)
    observed = Counter()
    if sources is None:
        sources = current_app.extensions.get(SOURCES_KEY, (contact_visits,))
    for source in sources:
        for hour, count in source(since, until):
            if since <= hour < until:
                local = hour.astimezone(until.tzinfo)
                observed[(local.weekday(), local.hour)] += count
    return observed


def baseline_by_slot(channels):
    """Sum the staffed channels' weekday baseline contacts per (weekday, hour)."""
    baseline = Counter()
    for channel in channels:
        if channel.staffed:
            for weekday, day in enumerate(channel.week):
                for hour, contacts in enumerate(day.demand):
                    baseline[(weekday, hour)] += contacts
    return baseline


def blend(baseline, observed):
    """Return the DemandModel that reshapes `baseline` by `observed` (see the module docstring)."""
    # Visits while every staffed channel is closed say nothing about when its agents are busy.
    observed = Counter({slot: count for slot, count in observed.items() if baseline.get(slot, 0) > 0})
    if not any(count >= MIN_SLOT_OBSERVATIONS for count in observed.values()):
        # A handful of page views must not move estimates the page says rest on the baseline alone.
        return DemandModel({}, observed)
    total_baseline = sum(baseline.values())
    total_observed = sum(observed.values())
    multipliers = {}
    for slot, planned in baseline.items():
        if planned <= 0 or total_baseline <= 0:
            continue
        prior_share = planned / total_baseline
        share = (observed[slot] + PRIOR_STRENGTH * prior_share) / (total_observed + PRIOR_STRENGTH)
        low, high = MULTIPLIER_RANGE
        multipliers[slot] = min(high, max(low, share / prior_share))
    return DemandModel(multipliers, Counter(observed))
