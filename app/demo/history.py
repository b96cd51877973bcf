"""A year of demo case histories, planned in memory step by step the way the services record them.

Each case walks the real state machine (`states.check_transition`), gets its SLA dates from the real working-time
functions (memoised per local hour, see `Deadlines`), and stops where `now` cuts it off, so recent cases are still
open and a few slow ones are overdue right now. Nothing here touches the database: `bulk` writes the rows.
"""
import bisect
import datetime as dt
import itertools
from collections import deque

from flask import current_app

from app.complaints import completeness, reference as refs, sla, triage
from app.complaints.casework import ESCALATED_PRIORITY
from app.complaints.categories import CATEGORIES
from app.complaints.models import EventKind
from app.complaints.services import normalize_seller
from app.complaints.states import CLOSED_STATUSES, Actor, Status, check_transition
from app.demo import texts
from app.demo.timing import FILING_HOURS, OFFICE_HOURS, Deadlines, within
from app.transparency.models import SummaryStatus

DEMO_LABEL = "【演示数据】"
CATEGORY_WEIGHTS = {"topup_not_arrived": 24, "card_code_invalid": 21, "refund": 15, "paid_not_delivered": 12,
                    "payment": 9, "account_security": 8, "seller_fraud": 6, "other": 5}
AMOUNTS = ((10, 8), (20, 6), (30, 10), (50, 14), (68, 4), (100, 16), (128, 4), (198, 5), (200, 7), (300, 5),
           (328, 4), (500, 5), (648, 5), (1000, 3), (2000, 1))
# What a resolved case ends with, by category (weights); the share rejected differs by category too.
OUTCOME_WEIGHTS = {
    "card_code_invalid": {"replacement": 50, "full_refund": 30, "explained": 10, "partial_refund": 5,
                          "seller_penalised": 5},
    "topup_not_arrived": {"replacement": 45, "full_refund": 30, "explained": 20, "partial_refund": 5},
    "paid_not_delivered": {"full_refund": 55, "replacement": 30, "seller_penalised": 15},
    "refund": {"full_refund": 60, "partial_refund": 20, "explained": 20},
    "seller_fraud": {"seller_penalised": 45, "full_refund": 40, "partial_refund": 15},
    "account_security": {"explained": 70, "full_refund": 30},
    "payment": {"full_refund": 65, "explained": 30, "partial_refund": 5},
    "other": {"explained": 100},
}
REJECTED_SHARE = {"card_code_invalid": .2, "seller_fraud": .18, "refund": .12, "other": .25}
PRODUCT_TYPES = {"card_code_invalid": "card_code", "topup_not_arrived": "direct_topup", "seller_fraud": "game_item",
                 "paid_not_delivered": "card_code", "refund": "other", "payment": "other"}
ERRORS = ("卡密已被使用", "卡密不存在", "卡密已过期")
PAYMENT_METHODS = ("alipay", "wechat", "bank_card", "balance")
# Scores 5, 4, 3, 2, 1: mostly content, a tail of angry ones, and late answers rate lower.
RATING_WEIGHTS = {"resolved": (52, 27, 10, 5, 6), "late": (30, 30, 18, 10, 12), "rejected": (5, 10, 25, 25, 35)}
RATED_SHARE, CONSENT_SHARE, SUMMARY_SHARE, API_SHARE = .6, .55, .06, .12
SCORES = (5, 4, 3, 2, 1)
# The complaint_event columns of the tuples a Story records.
EVENT_COLUMNS = ("complaint_id", "at", "kind", "actor", "note", "staff_id", "from_status", "to_status")
SWEEP_MINUTES = 5  # the oversight sweep runs every few minutes and escalates what it finds overdue


class Weighted:
    """Values with weights, each pick from one random number (random.choices costs more per call)."""

    def __init__(self, weights):
        self.values, self.cumulative = list(weights), list(itertools.accumulate(weights.values()))

    def pick(self, rng):
        """Return a value drawn with the weights."""
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


FATES = Weighted({"decided": 91.5, "withdrawn": 4.5, "merged": 4})
CATEGORY_MIX, AMOUNT_MIX = Weighted(CATEGORY_WEIGHTS), Weighted(dict(AMOUNTS))
OUTCOME_MIX = {category: Weighted(weights) for category, weights in OUTCOME_WEIGHTS.items()}
RATING_MIX = {mood: Weighted(dict(zip(SCORES, weights))) for mood, weights in RATING_WEIGHTS.items()}


class Story:
    """One complaint's row and timeline being built; each method is one service step (one commit)."""

    def __init__(self, row, planner):
        self.row, self.planner, self.events, self.commits = row, planner, [], 1

    def add(self, kind, actor, at, staff=None, note=None, from_status=None, to_status=None):
        """Append a timeline event."""
        self.events.append((self.row["id"], at, kind, actor, note, staff, from_status, to_status))

    def move(self, target, actor, at, note=None, staff=None):
        """lifecycle.transition: check the move, keep the SLA clocks honest, record the status event."""
        row = self.row
        previous = row["status"]
        check_transition(previous, target, actor)
        if previous == Status.AWAITING_USER and row["paused_at"]:
            self._resume(at)
        if target == Status.AWAITING_USER:
            row["paused_at"] = at
        row["status"], row["updated_at"] = target, at
        row["closed_at"] = at if target in CLOSED_STATUSES else None
        self.add(EventKind.STATUS, actor, at, staff, note, previous, target)

    def _resume(self, at):
        row, deadlines = self.row, self.planner.deadlines
        paused = self.planner.clock.between(row["paused_at"], at)
        if row["first_responded_at"] is None:
            row["first_response_due"] = deadlines.add(row["first_response_due"], paused)
        row["resolution_due"] = deadlines.add(row["resolution_due"], paused)
        row["paused_at"] = None

    def reaches(self, at):
        """Tell whether a step at `at` happened by now; the oversight sweep runs up to it first."""
        self.sweep(min(at, self.planner.now))
        return at <= self.planner.now

    def sweep(self, until):
        """casework.escalate_overdue, as the periodic sweep would have run it before `until`."""
        row = self.row
        if row["escalated_at"] is not None or row["status"] in CLOSED_STATUSES or row["status"] == Status.AWAITING_USER:
            return
        due = row["first_response_due"] if row["first_responded_at"] is None else row["resolution_due"]
        at = due + dt.timedelta(seconds=self.planner.rng.randrange(SWEEP_MINUTES * 60))
        if at < until:
            self.add(EventKind.ESCALATION, Actor.SYSTEM, at, note=row["priority"])
            row["priority"], row["escalated_at"] = ESCALATED_PRIORITY[row["priority"]], at
            self.commits += 1

    def take(self, staff, at):
        """casework `take`: assign to oneself, and the case is in review."""
        row = self.row
        if row["assignee_id"] != staff[0]:
            row["assignee_id"] = staff[0]
            self.add(EventKind.ASSIGNMENT, Actor.STAFF, at, staff[0], staff[1])
        if row["status"] in (Status.RECEIVED, Status.REOPENED):
            self.move(Status.IN_REVIEW, Actor.STAFF, at, staff=staff[0])
        self._done(at)

    def message(self, staff, at, kind, body):
        """casework `reply` or `request_info`: the first response, and a request pauses the clock."""
        self.add(kind, Actor.STAFF, at, staff[0], body)
        self.row["first_responded_at"] = self.row["first_responded_at"] or at
        if kind == EventKind.STAFF_REQUEST:
            self.move(Status.AWAITING_USER, Actor.STAFF, at, staff=staff[0])
        self._done(at)

    def answer(self, at, body):
        """services.add_user_message: the user's answer returns the case to review."""
        self.add(EventKind.USER_MESSAGE, Actor.USER, at, note=body)
        self.move(Status.IN_REVIEW, Actor.USER, at)
        self._done(at)

    def decide(self, staff, at, outcome, amount, note):
        """casework `resolve` (with an outcome) or `reject`."""
        row = self.row
        row["first_responded_at"] = row["first_responded_at"] or at
        self.move(Status.REJECTED if outcome == "rejected" else Status.RESOLVED, Actor.STAFF, at, note, staff[0])
        row["outcome"] = None if outcome == "rejected" else outcome
        row["outcome_amount_cents"] = amount if outcome in ("full_refund", "partial_refund") else None
        self._done(at)

    def merge(self, staff, at, other):
        """casework `duplicate`: closed as the same matter as an earlier complaint."""
        row = self.row
        row["duplicate_of_id"] = other["id"]
        if row["assignee_id"] is None:
            row["assignee_id"] = staff[0]
            self.add(EventKind.ASSIGNMENT, Actor.STAFF, at, staff[0], staff[1])
        note = f"与投诉 {other['reference']} 是同一件事，已合并，后续处理请查看 {other['reference']}。"
        self.move(Status.MERGED, Actor.STAFF, at, note, staff[0])
        self._done(at)

    def withdraw(self, at, reason):
        """services.withdraw."""
        self.move(Status.WITHDRAWN, Actor.USER, at, reason)
        self._done(at)

    def reopen(self, at, reason):
        """services.reopen: escalated priority, fresh SLA dates, and the first response is owed again."""
        row = self.row
        row["reopen_count"] += 1
        row["priority"] = "urgent" if row["priority"] == "high" else "high"
        row["triage_reasons"] = [*row["triage_reasons"], "reopened"]
        row["first_response_due"], row["resolution_due"] = self.planner.deadlines.due_dates(
            row["category"], row["priority"], at)
        row["first_responded_at"] = None
        self.move(Status.REOPENED, Actor.USER, at, reason)
        self._done(at)

    def rate(self, at, score, comment):
        """services.rate (it leaves updated_at alone)."""
        self.row.update(rating=score, rating_comment=comment, rated_at=at)
        self.commits += 1

    def _done(self, at):
        self.row["updated_at"] = at
        self.commits += 1


class Planner:
    """Plans demo complaints one after another; keeps the few recent ones a duplicate may be merged into."""

    def __init__(self, rng, now, calendar, team, leads, reference_rng):
        self.rng, self.now, self.team, self.leads, self.reference_rng = rng, now, team, leads, reference_rng
        self.deadlines = Deadlines(calendar)
        self.clock = sla.WorkingClock((now - dt.timedelta(days=400)).date(), (now + dt.timedelta(days=400)).date(),
                                      calendar)
        self.recent, self.triaged, self.scores, self.public_ids = deque(maxlen=40), {}, {}, set()
        config = current_app.config
        self.high_amount = config["COMPLAINT_HIGH_AMOUNT_CENTS"]
        self.reopen_window = dt.timedelta(days=config["COMPLAINT_REOPEN_WINDOW_DAYS"])
        self.agents = Weighted({member: 1 + index % 4 for index, member in enumerate(team)})  # some agents busier

    def plan(self, complaint_id, created):
        """Return (complaint row, events, summary row or None) for one complaint filed at `created`."""
        rng = self.rng
        fate = FATES.pick(rng)
        other = self._merge_target() if fate == "merged" else None
        row, product = self._row(complaint_id, created, other)
        story = Story(row, self)
        story.add(EventKind.STATUS, Actor.USER, created, to_status=Status.RECEIVED)
        self._live(story, "decided" if fate == "merged" and other is None else fate, other)
        story.sweep(self.now)
        row["version"] = story.commits
        if row["status"] != Status.MERGED:
            self.recent.append(row)
        return row, story.events, self._summary(row, product)

    # -------------------------------------------------------------- the filing

    def _row(self, complaint_id, created, other):
        rng = self.rng
        if other is not None:  # the same owner files the same order again
            category, details, description = other["category"], dict(other["details"]), other["description"]
            product, email = details.get("product_name", ""), other["contact_email"]
        else:
            category = CATEGORY_MIX.pick(rng)
            amount = self._amount(category)
            product = rng.choice(texts.PRODUCTS[category])
            stories = [text for text in texts.DESCRIPTIONS[category] if amount or "{amount}" not in text]
            description = DEMO_LABEL + rng.choice(stories).format(
                when=rng.choice(texts.WHEN), amount=_yuan(amount), product=product, pay=rng.choice(texts.PAY),
                shop=rng.choice(texts.SHOPS))
            details = self._details(category, created, amount, product)
            email = f"demo-owner{complaint_id}@demo.example"
        amount = details.get("amount")
        priority, reasons, suggested = self._triage(category, description, amount, other is not None)
        first_due, resolution_due = self.deadlines.due_dates(category, priority, created)
        return {
            "id": complaint_id, "reference": self._reference(), "category": category, "description": description,
            "details": details, "order_number": details.get("order_number"),
            "seller_id": normalize_seller(details.get("seller_id")), "amount_cents": amount, "contact_email": email,
            "contact_phone": None, "notify_via": "email", "language": "zh",
            "consent_publish": rng.random() < CONSENT_SHARE, "status": Status.RECEIVED, "priority": priority,
            "suggested_category": suggested, "triage_reasons": reasons,
            "completeness": self._completeness(category, details, description),
            "duplicate_of_id": other["id"] if other else None, "idempotency_key": None, "is_demo": True,
            "created_at": created, "updated_at": created, "first_response_due": first_due,
            "resolution_due": resolution_due, "first_responded_at": None, "closed_at": None, "paused_at": None,
            "rating": None, "rating_comment": None, "rated_at": None, "reopen_count": 0, "assignee_id": None,
            "escalated_at": None, "due_soon_alerted_at": None, "outcome": None, "outcome_amount_cents": None,
            "intake_channel": "api" if rng.random() < API_SHARE else "web"}, product

    def _amount(self, category):
        rng = self.rng
        if category == "other" or (category == "account_security" and rng.random() < .6):
            return None
        if rng.random() < .1:
            return int(rng.uniform(5, 800) * 10) * 10  # an odd amount such as 45.80 元
        return AMOUNT_MIX.pick(rng) * 100

    def _details(self, category, created, amount, product):
        """The details the intake form asks for: the required ones always, the optional ones often."""
        rng, spec = self.rng, CATEGORIES[category]
        local = created.astimezone(self.deadlines.zone)
        wanted = [*spec.required, *(field for field in spec.optional if rng.random() < .5)]
        details = {field: self._detail(field, category, local, amount, product) for field in wanted}
        return {field: value for field, value in details.items() if value is not None}

    def _detail(self, field, category, local, amount, product):
        rng = self.rng
        if field == "order_number":
            return f"KM{local:%Y%m%d}{rng.randrange(10**10):010d}"
        if field == "purchase_time":
            return f"{local - dt.timedelta(minutes=rng.randrange(5, 2880)):%Y-%m-%dT%H:%M}"
        if field == "amount":
            return amount
        if field in ("product_name", "product_type"):
            return product if field == "product_name" else PRODUCT_TYPES.get(category, "other")
        if field == "seller_id":
            return rng.choice(texts.SHOPS)
        if field == "payment_method":
            return rng.choice(PAYMENT_METHODS)
        if field == "topup_account":
            return str(rng.randrange(10**7, 10**10))
        if field == "account_id":
            return f"km_{rng.randrange(10**6, 10**8)}"
        return rng.choice(ERRORS) if field == "error_message" else str(rng.randrange(10**27, 10**28))

    def _triage(self, category, description, amount, repeat):
        """triage.priority_for and suggest_category, memoised (the texts repeat)."""
        key = (category, description, bool(amount and amount >= self.high_amount), repeat)
        if key not in self.triaged:
            priority, reasons = triage.priority_for(description, amount, int(repeat), category=category)
            self.triaged[key] = priority, reasons, triage.suggest_category(category, description)
        priority, reasons, suggested = self.triaged[key]
        return priority, list(reasons), suggested

    def _completeness(self, category, details, description):
        key = (category, tuple(details), len(description) >= completeness.DETAILED_DESCRIPTION)
        if key not in self.scores:
            self.scores[key] = completeness.assess(category, details, (), description).score
        return self.scores[key]

    def _reference(self):
        body = "".join(self.reference_rng.choices(refs.ALPHABET, k=refs.REFERENCE_RANDOM_SYMBOLS))
        return f"{refs.PREFIX}-{body[:4]}-{body[4:8]}-{body[8:12]}-{body[12:]}{refs.check_symbol(body)}"

    def _merge_target(self):
        candidates = [row for row in self.recent if row["details"].get("order_number")]
        return self.rng.choice(candidates) if candidates else None

    # -------------------------------------------------------------- what happened next

    def _within(self, moment, hours):
        return within(moment, hours, self.rng, self.deadlines.zone)

    def _live(self, story, fate, other):
        """Walk the case to its fate; stop at the first step not due by now."""
        rng, row = self.rng, story.row
        if fate == "withdrawn" and rng.random() < .5:
            at = self._within(row["created_at"] + _hours(rng.uniform(.5, 20)), FILING_HOURS)
            if story.reaches(at):
                story.withdraw(at, rng.choice(texts.WITHDRAW_REASONS))
            return
        agent = self.agents.pick(rng)
        taken = self._within(row["created_at"] + _hours(self._first_delay(row["priority"])), OFFICE_HOURS)
        if fate == "merged":
            if story.reaches(taken):
                story.merge(agent, taken, other)
            return
        if not story.reaches(taken):
            return
        story.take(agent, taken)
        if not self._work(story, agent, taken, fate):
            return
        self._afterwards(story, agent)

    def _work(self, story, agent, taken, fate):
        """First response, maybe a question to the user, then the decision; True once decided."""
        rng, row = self.rng, story.row
        first = self._within(taken + dt.timedelta(minutes=rng.randrange(2, 40)), OFFICE_HOURS)
        if not story.reaches(first):
            return False
        asks = rng.random() < .18
        story.message(agent, first, EventKind.STAFF_REQUEST if asks else EventKind.STAFF_REPLY,
                      rng.choice(texts.REQUESTS if asks else texts.REPLIES))
        if fate == "withdrawn":
            at = self._within(first + _hours(rng.uniform(1, 72)), FILING_HOURS)
            if story.reaches(at):
                story.withdraw(at, rng.choice(texts.WITHDRAW_REASONS))
            return False
        resumed = first
        if asks and rng.random() < .85:
            resumed = self._within(first + _hours(rng.expovariate(1 / 20)), FILING_HOURS)
            if not story.reaches(resumed):
                return False
            story.answer(resumed, rng.choice(texts.USER_ANSWERS))
        decided = self._within(resumed + _hours(self._work_hours(row["category"])), OFFICE_HOURS)
        if not story.reaches(decided):
            return False
        outcome, amount = self._outcome(row)
        story.decide(agent, decided, outcome, amount, rng.choice(texts.DECISIONS[outcome]))
        return True

    def _afterwards(self, story, agent):
        """The owner rates the decision, or reopens it within the window and staff decide again."""
        rng, row = self.rng, story.row
        reopens = rng.random() < (.1 if row["status"] == Status.REJECTED else .035)
        if not reopens:
            self._rate(story)
            return
        window = row["closed_at"] + self.reopen_window
        at = min(self._within(row["closed_at"] + _hours(rng.uniform(3, 280)), FILING_HOURS), window)
        if not story.reaches(at):
            return
        story.reopen(at, rng.choice(texts.REOPEN_REASONS))
        taken = self._within(at + _hours(self._first_delay(row["priority"]) / 2), OFFICE_HOURS)
        if story.reaches(taken):
            story.take(agent, taken)
            if self._work(story, agent, taken, "decided"):
                self._rate(story)

    def _rate(self, story):
        rng, row = self.rng, story.row
        at = self._within(row["closed_at"] + _hours(rng.uniform(.5, 72)), FILING_HOURS)
        if rng.random() > RATED_SHARE or at > self.now:
            return
        late = row["closed_at"] > row["resolution_due"] or row["first_responded_at"] > row["first_response_due"]
        mood = "rejected" if row["status"] == Status.REJECTED else "late" if late else "resolved"
        score = RATING_MIX[mood].pick(rng)
        story.rate(at, score, rng.choice(texts.RATING_COMMENTS[score]) if rng.random() < .4 else None)

    def _first_delay(self, priority):
        """Hours until an agent takes the case: mostly soon, sometimes a day, rarely several days."""
        rng, pick = self.rng, self.rng.random()
        hours = (rng.uniform(.1, 3) if pick < .55 else rng.uniform(3, 16) if pick < .85
                 else rng.uniform(16, 40) if pick < .96 else rng.uniform(40, 120))
        return hours * (.3 if priority == "urgent" else 1)

    def _work_hours(self, category):
        """Hours from the first answer to the decision, with a long tail that leaves some cases overdue."""
        rng, pick = self.rng, self.rng.random()
        hours = (rng.uniform(1, 24) if pick < .4 else rng.uniform(24, 72) if pick < .75
                 else rng.uniform(72, 150) if pick < .92 else rng.uniform(150, 300) if pick < .98
                 else rng.uniform(300, 900))
        return hours * {"seller_fraud": 1.8, "paid_not_delivered": 1.3}.get(category, 1)

    def _outcome(self, row):
        rng, category, amount = self.rng, row["category"], row["amount_cents"]
        if rng.random() < REJECTED_SHARE.get(category, .08):
            return "rejected", None
        outcome = OUTCOME_MIX[category].pick(rng)
        if not amount and outcome in ("full_refund", "partial_refund"):
            return "explained", None
        return outcome, amount if outcome == "full_refund" else (amount * rng.randrange(2, 9) // 1000 * 100
                                                                 if outcome == "partial_refund" else None)

    # -------------------------------------------------------------- the published summary

    def _summary(self, row, product):
        """Some consented, decided cases get a worded summary a supervisor approved and published."""
        rng = self.rng
        if not row["consent_publish"] or row["status"] not in (Status.RESOLVED, Status.REJECTED) or \
                rng.random() > SUMMARY_SHARE:
            return None
        drafted = self._within(row["closed_at"] + _hours(rng.uniform(2, 96)), OFFICE_HOURS)
        published = self._within(drafted + _hours(rng.uniform(1, 72)), OFFICE_HOURS)
        if drafted > self.now:
            return None
        days = (row["closed_at"] - row["created_at"]).total_seconds() / 86400
        text = texts.summary_text(rng, row["category"], row["outcome"] or "rejected", product, days)
        done = published <= self.now
        return {"public_id": self._public_id(), "complaint_id": row["id"], "text": text,
                "status": SummaryStatus.PUBLISHED if done else SummaryStatus.DRAFT,
                "drafted_by_id": row["assignee_id"], "approved_by_id": rng.choice(self.leads) if done else None,
                "created_at": drafted, "updated_at": published if done else drafted,
                "published_at": published if done else None, "withdrawn_at": None}

    def _public_id(self):
        while True:  # random like publishing._public_id, but from the seeded generator
            public_id = f"S{self.rng.getrandbits(40):010X}"
            if public_id not in self.public_ids:
                self.public_ids.add(public_id)
                return public_id


def _hours(value):
    return dt.timedelta(hours=value)


def _yuan(cents):
    return f"{cents / 100:g}" if cents else ""
