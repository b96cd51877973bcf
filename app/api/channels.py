"""Contact channels over JSON: status at a moment, the week grid of estimates, the fake-number check."""
import datetime as dt
import re

from flask import current_app, request

from app.api.blueprint import bp
from app.api import schemas
from app.api.errors import api_error, validation_error
from app.contact.calendar import portal_now, portal_time
from app.contact.channels import current_directory
from app.contact.hints import current_estimator
from app.contact.verify import MAX_VALUE_LENGTH, current_fakes, verify, warning_for

# An unencoded "+08:00" in a query string arrives as " 08:00"; put the plus back.
_LOST_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


@bp.get("/channels")
def channels():
    """Return every channel's status at `at` (ISO 8601, default now) in Asia/Shanghai time."""
    timezone = current_app.config["PORTAL_TIMEZONE"]
    try:
        at = _parse_at(request.args.get("at"), timezone)
    except (ValueError, OverflowError):
        return api_error(400, "'at' must be an ISO 8601 date-time such as 2026-10-01T10:00:00+08:00")
    estimator = current_estimator(portal_now(timezone))
    day = estimator.calendar.day(at.date())
    return schemas.respond(schemas.ChannelsNow, {
        "at": at.isoformat(), "holiday": {"is_holiday": day.is_holiday, "name": day.name, "confirmed": day.confirmed},
        "channels": [_status_dict(status) for status in estimator.statuses(at)]})


@bp.get("/channels/<channel_id>/week")
def channel_week(channel_id):
    """Return the 7×24 grid (rows Monday..Sunday, ISO weekday 1–7) of a regular week without holidays."""
    estimator = current_estimator(portal_now(current_app.config["PORTAL_TIMEZONE"]))
    channel = estimator.directory.get(channel_id)
    if channel is None:
        return api_error(404, f"unknown channel {channel_id!r}")
    grid = [[_slot_dict(slot) for slot in day] for day in estimator.week(channel)]
    return schemas.respond(schemas.ChannelWeek, {"channel": channel.id, "estimate": channel.staffed, "grid": grid})


@bp.get("/channels/verify")
def channel_verify():
    """Tell whether `value` (a number, account, email or URL) is one of the official channels."""
    value = (request.args.get("value") or "").strip()
    if not value or len(value) > MAX_VALUE_LENGTH:
        return validation_error({"value": f"give 1 to {MAX_VALUE_LENGTH} characters"})
    verdict = verify(value, current_directory(), current_fakes())
    return schemas.respond(schemas.ChannelVerdict, {
        "official": verdict.official, "channel": verdict.channel.id if verdict.channel else None,
        "known_fake": verdict.known_fake is not None, "warning": warning_for(verdict)})


def _parse_at(text, timezone):
    if not text:
        return portal_now(timezone)
    moment = portal_time(dt.datetime.fromisoformat(_LOST_PLUS.sub(r"\1+\2", text.strip())), timezone)
    if not 2000 <= moment.year <= 2100:  # the week-ahead arithmetic must stay inside datetime's range
        raise ValueError("at is out of range")
    return moment


def _iso(moment):
    return moment.isoformat() if moment else None


def _status_dict(status):
    channel, slot = status.channel, status.now
    return {"id": channel.id, "name": channel.name, "name_en": channel.name_en, "kind": channel.kind,
            "value": channel.value, "href": channel.href, "open_now": status.open_now,
            "opens_at": _iso(status.opens_at),
            "closes_at": _iso(status.closes_at),
            "expected_wait_minutes": slot.wait_minutes if slot and slot.open else None,
            "label": slot.label if slot and slot.open else None,
            "next_good_time": _iso(status.next_good_time)}


def _slot_dict(slot):
    return {"weekday": slot.weekday + 1, "hour": slot.hour, "open": slot.open, "agents": slot.agents,
            "expected_wait_minutes": slot.wait_minutes, "label": slot.label}
