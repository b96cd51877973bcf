"""Load and validate content/channels.yaml: the official contact channels and their weekly schedules."""
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import current_app

CHANNELS_FILE = "channels.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("phone", "chat", "email", "social", "web")
REQUIRED_TEXT = ("id", "name", "name_en", "kind", "value", "purpose", "purpose_en", "first_response",
                 "first_response_en")
RESERVED_IDS = {"verify"}  # /contact/verify is a page of its own
_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_RANGE = re.compile(r"^(\d{2}):00-(\d{2}):00$")
_SAFE_HREF = ("tel:", "mailto:", "https://", "/")


class ContactContentError(ValueError):
    """A contact content file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class DaySchedule:
    """One day's 24 hourly slots: open or not, agents on duty and planned contacts (staffed channels)."""

    open: tuple
    roster: tuple | None = None
    demand: tuple | None = None


@dataclass(frozen=True)
class Channel:
    """An official contact channel as published in content/channels.yaml."""

    id: str
    name: str
    name_en: str
    kind: str
    value: str
    value_en: str | None
    href: str | None
    purpose: str
    purpose_en: str
    first_response: str
    first_response_en: str
    accepts_complaints: bool
    complaints_instead: str | None
    week: tuple  # DaySchedule per weekday, Monday first
    holiday: DaySchedule | None  # None: weekday schedule applies on public holidays
    adjusted_workday_as: int
    handling_minutes: float | None
    verify_values: tuple

    @property
    def staffed(self):
        """Tell whether the channel has a roster, so waiting times can be estimated."""
        return self.handling_minutes is not None


@dataclass(frozen=True)
class Directory:
    """All official channels plus the domains the portal's own sites live on."""

    channels: tuple
    official_domains: tuple

    def get(self, channel_id):
        """Return the channel with `channel_id`, or None."""
        return next((c for c in self.channels if c.id == channel_id), None)


def read_yaml(path):
    """Parse a YAML content file, naming the file in any error."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContactContentError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        raise ContactContentError(f"{path}: invalid YAML: {exc}") from None


def fail(where, message):
    """Raise ContactContentError for field `where` (already prefixed with the file name)."""
    raise ContactContentError(f"{where}: {message}")


def current_directory():
    """Return the channel directory of the current app's content folder."""
    return load_directory(current_app.config["CONTENT_DIR"])


def load_directory(content_dir):
    """Load channels.yaml from `content_dir`, cached until the file changes."""
    path = Path(content_dir) / CHANNELS_FILE
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _load_directory(str(path), mtime)


@functools.lru_cache(maxsize=8)
def _load_directory(path, _mtime):
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("channels"), list) or not data["channels"]:
        fail(path, "expected a mapping with a non-empty 'channels' list")
    channels = tuple(_channel(item, f"{path}: channels[{i}]") for i, item in enumerate(data["channels"]))
    _check_references(channels, path)
    domains = data.get("official_domains") or []
    if not isinstance(domains, list) or not all(isinstance(d, str) and "." in d for d in domains):
        fail(f"{path}: official_domains", "expected a list of domain names")
    return Directory(channels, tuple(d.lower() for d in domains))


def _channel(item, where):
    if not isinstance(item, dict):
        fail(where, "expected a mapping")
    for key in REQUIRED_TEXT:
        if not isinstance(item.get(key), str) or not item[key].strip():
            fail(f"{where}.{key}", "required text is missing")
    where = f"{where} ({item['id']})"
    if not _ID.match(item["id"]) or item["id"] in RESERVED_IDS:
        fail(f"{where}.id", "use lower-case letters, digits and dashes (and not 'verify')")
    if item["kind"] not in KINDS:
        fail(f"{where}.kind", f"expected one of {', '.join(KINDS)}")
    if item.get("href") and not str(item["href"]).startswith(_SAFE_HREF):
        fail(f"{where}.href", "must start with tel:, mailto:, https:// or /")
    if not isinstance(item.get("accepts_complaints"), bool):
        fail(f"{where}.accepts_complaints", "expected true or false")
    staffed = "roster" in item
    handling = _handling_minutes(item, where) if staffed else None
    return Channel(
        id=item["id"], name=item["name"], name_en=item["name_en"], kind=item["kind"], value=str(item["value"]),
        value_en=item.get("value_en"), href=item.get("href"), purpose=item["purpose"],
        purpose_en=item["purpose_en"], first_response=item["first_response"],
        first_response_en=item["first_response_en"], accepts_complaints=item["accepts_complaints"],
        complaints_instead=item.get("complaints_instead"), week=_week(item, where, staffed),
        holiday=_holiday(item.get("on_holiday"), f"{where}.on_holiday", staffed),
        adjusted_workday_as=_weekday_index(item.get("adjusted_workday_as"), f"{where}.adjusted_workday_as"),
        handling_minutes=handling, verify_values=_verify_values(item.get("verify_values"), where))


def _handling_minutes(item, where):
    value = item.get("handling_minutes")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 240:
        fail(f"{where}.handling_minutes", "staffed channels need an average handling time in minutes (0–240)")
    return float(value)


def _week(item, where, staffed):
    hours, roster, demand = item.get("hours"), item.get("roster"), item.get("baseline_demand")
    for key, value in (("hours", hours), ("roster", roster), ("baseline_demand", demand)):
        if (key == "hours" or staffed) and (not isinstance(value, dict) or set(value) != set(WEEKDAYS)):
            fail(f"{where}.{key}", f"expected one entry for each of {', '.join(WEEKDAYS)}")
    if not staffed and demand is not None:
        fail(f"{where}.baseline_demand", "only channels with a roster use a baseline demand")
    return tuple(_day(hours[day], roster and roster[day], demand and demand[day], f"{where}.<field>.{day}", staffed)
                 for day in WEEKDAYS)


def _holiday(spec, where, staffed):
    if spec == "same":
        return None
    if spec == "closed":
        return DaySchedule((False,) * 24, (0,) * 24 if staffed else None, (0.0,) * 24 if staffed else None)
    if not isinstance(spec, dict) or "hours" not in spec:
        fail(where, "expected 'same', 'closed' or a mapping with hours (and roster, baseline_demand)")
    return _day(spec["hours"], spec.get("roster"), spec.get("baseline_demand"), f"{where}.<field>", staffed)


def _day(hours, roster, demand, where, staffed):
    is_open = _hours(hours, where.replace("<field>", "hours"))
    if not staffed:
        return DaySchedule(is_open)
    roster = _hourly(roster, where.replace("<field>", "roster"), int)
    demand = _hourly(demand, where.replace("<field>", "baseline_demand"), float)
    for hour in range(24):
        if bool(roster[hour]) != is_open[hour]:
            state = "open" if is_open[hour] else "closed"
            fail(where.replace("<field>", "roster"), f"hour {hour} is {state} but has {roster[hour]} agents")
    return DaySchedule(is_open, roster, demand)


def _hours(spec, where):
    if spec == "closed":
        return (False,) * 24
    is_open = [False] * 24
    for text in spec if isinstance(spec, list) else [spec]:
        match = _RANGE.match(str(text))
        if not match or not 0 <= int(match[1]) < int(match[2]) <= 24:
            fail(where, f"expected 'HH:00-HH:00' (whole hours), a list of them or 'closed', got {text!r}")
        for hour in range(int(match[1]), int(match[2])):
            is_open[hour] = True
    return tuple(is_open)


def _hourly(values, where, kind):
    if not isinstance(values, list) or len(values) != 24 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in values):
        fail(where, "expected 24 non-negative numbers, one per hour from 0 to 23")
    if kind is int and not all(float(v).is_integer() for v in values):
        fail(where, "agents on duty must be whole numbers")
    return tuple(kind(v) for v in values)


def _weekday_index(value, where):
    if value not in WEEKDAYS:
        fail(where, f"expected one of {', '.join(WEEKDAYS)}")
    return WEEKDAYS.index(value)


def _verify_values(values, where):
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        fail(f"{where}.verify_values", "expected a list of strings")
    return tuple(values)


def _check_references(channels, path):
    ids = [c.id for c in channels]
    if len(set(ids)) != len(ids):
        fail(f"{path}: channels", "channel ids must be unique")
    for channel in channels:
        if channel.accepts_complaints:
            continue
        target = next((c for c in channels if c.id == channel.complaints_instead), None)
        if target is None or not target.accepts_complaints:
            fail(f"{path}: channels ({channel.id}).complaints_instead",
                 "channels that do not accept complaints must name a channel that does")
