"""Write a planned demo history in bulk: COPY or executemany in chunks, no ORM object per row, a commit per chunk.

Every bulk complaint shares one access-code hash whose code nobody knows, except a few showcase complaints
(one per status) that get their own code, printed by `flask demo seed`.
"""
import datetime as dt
import json
import operator
import random
import time
from collections import Counter
from types import SimpleNamespace

import sqlalchemy as sa

from app.accounts.models import Role
from app.complaints import lifecycle, reference as refs, tally
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.services import hash_access_code
from app.complaints.states import Status
from app.contact.calendar import current_calendar
from app.demo import history, timing
from app.demo.seed import STAFF, demo_team, ensure_demo_only
from app.extensions import db
from app.timeutil import utcnow
from app.transparency.models import CaseSummary

CHUNK = 10_000
# The small seed's three agents and a few more; every account costs an argon2 hash, so the team stays small.
AGENTS = (*STAFF, "客服小陈", "客服阿敏", "客服小周")
LEADS = ("主管老周",)
DURATIONS = ("first_response_seconds", "first_response_working_seconds", "resolution_seconds",
             "resolution_working_seconds")
SHOWCASE = (Status.RESOLVED, Status.IN_REVIEW, Status.AWAITING_USER, Status.RECEIVED, Status.REJECTED)


def seed_history(count, seed_value, now=None, progress=None, chunk=CHUNK):
    """Write `count` demo complaints with a year of history; return [(reference, access_code)] to try."""
    ensure_demo_only()
    now, started = now or utcnow(), time.monotonic()
    rng, calendar = random.Random(seed_value), current_calendar()
    first_id = (db.session.scalar(sa.select(sa.func.max(Complaint.id))) or 0) + 1
    agents = [(member.id, member.display_name) for member in demo_team(AGENTS)]
    leads = [member.id for member in demo_team(LEADS, "lead", Role.SUPERVISOR)]
    planner = history.Planner(rng, now, calendar, agents, leads, random.Random(f"{seed_value}:{first_id}"))
    times = timing.arrival_times(rng, count, now, calendar)
    unknown_code_hash = hash_access_code(refs.new_access_code())
    for start in range(0, count, chunk):
        _write_chunk(planner, first_id + start, times[start:start + chunk], unknown_code_hash)
        if progress:
            progress(min(start + chunk, count), count, time.monotonic() - started)
    _sync_sequences()
    return _showcase(first_id)


def _write_chunk(planner, first_id, times, code_hash):
    complaints, events, summaries, cells = [], [], [], Counter()
    zone = tally.portal_zone()
    for offset, timestamp in enumerate(times):
        row, timeline, summary = planner.plan(first_id + offset, timing.from_timestamp(timestamp))
        row["access_code_hash"] = code_hash
        _derive(row, planner.clock, zone, cells)
        complaints.append(row)
        events += timeline
        if summary:
            summaries.append(summary)
    writer = RowWriter(db.session.connection())
    columns = tuple(complaints[0])
    writer.insert(Complaint.__table__, columns, map(operator.itemgetter(*columns), complaints))
    writer.insert(ComplaintEvent.__table__, history.EVENT_COLUMNS, events)
    if summaries:
        columns = tuple(summaries[0])
        writer.insert(CaseSummary.__table__, columns, map(operator.itemgetter(*columns), summaries))
    cells[(tally.ALL_TIME, tally.GENERATION, "")] += 1
    tally.add(db.session.connection(), cells)
    db.session.commit()


class RowWriter:
    """Insert plain tuples the fastest way each engine offers, inside the session's transaction: COPY on
    PostgreSQL, the driver's executemany on SQLite (SQLAlchemy's per-value processing would double the time)."""

    def __init__(self, connection):
        self.driver = connection.connection.driver_connection
        self.postgresql = connection.dialect.name == "postgresql"

    def insert(self, table, columns, rows):
        """Insert `rows` (tuples in the order of `columns`) into `table`."""
        convert = [(index, self._converter(table.c[name].type)) for index, name in enumerate(columns)]
        convert = [(index, function) for index, function in convert if function]
        rows = (_converted(row, convert) for row in rows) if convert else rows
        names = ", ".join(columns)
        cursor = self.driver.cursor()
        if self.postgresql:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        cursor.close()

    def _converter(self, column_type):
        if isinstance(column_type, sa.JSON):
            return json.dumps
        if isinstance(column_type, sa.DateTime) and not self.postgresql:
            return _sqlite_datetime
        return None


def _converted(row, convert):
    row = list(row)
    for index, function in convert:
        if row[index] is not None:
            row[index] = function(row[index])
    return row


def _sqlite_datetime(moment):
    """The text SQLAlchemy stores for a DateTime on SQLite: naive UTC with microseconds."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _derive(row, clock, zone, cells):
    """What the ORM's flush hook adds to a written complaint: its stored durations and its tally cells."""
    complaint = SimpleNamespace(**row)
    lifecycle.stamp_durations(complaint, clock.between)
    for name in DURATIONS:
        row[name] = getattr(complaint, name)
    row["tally_keys"] = tally.keys_for(complaint, zone)
    cells.update(tuple(key) for key in row["tally_keys"])


def _sync_sequences():
    """The ids were chosen here, so PostgreSQL's sequence must move past them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('complaint', 'id'), "
                                   "(SELECT max(id) FROM complaint))"))
        db.session.commit()


def _showcase(first_id):
    """Give the newest complaint of a few statuses its own access code, so people can try tracking them."""
    created = []
    for status in SHOWCASE:
        complaint_id = db.session.scalar(sa.select(sa.func.max(Complaint.id)).where(
            Complaint.id >= first_id, Complaint.status == status))
        if complaint_id is None:
            continue
        code = refs.new_access_code()
        table = Complaint.__table__
        db.session.execute(table.update().where(table.c.id == complaint_id)
                           .values(access_code_hash=hash_access_code(code)))
        created.append((db.session.scalar(sa.select(Complaint.reference).where(Complaint.id == complaint_id)), code))
    db.session.commit()
    return created
