"""One pydantic model per API resource: the serialiser of every answer and the source of the OpenAPI document.

Views build their allow-listed dicts as before and send them through `respond`, which validates them against
the model and dumps exactly the keys they gave, so what is served can never drift from what is documented.
"""
from typing import Annotated, Literal

from flask import current_app
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.complaints.categories import CATEGORIES
from app.complaints.followup import MESSAGE_MAX
from app.complaints.states import Status
from app.complaints.validation import DESCRIPTION_MAX, DESCRIPTION_MIN


def _text(value):
    """Accept lazy translations wherever text is expected."""
    return value if value is None or isinstance(value, str) else str(value)


def _drop_default(schema):
    """Document a field that may be absent but is never null (pydantic would publish `default: null`)."""
    schema.pop("default", None)


def omittable(description):
    """A field some answers leave out; when present it is never null."""
    return Field(default=None, description=description, json_schema_extra=_drop_default)


Text = Annotated[str, BeforeValidator(_text)]
DateTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Count = Annotated[int, Field(ge=0)]
HiddenCount = Annotated[Count | None, Field(description="null when the cell counts 1–4 complaints (hidden)")]
Percent = Annotated[float, Field(ge=0, le=100)] | None
Minutes = Annotated[float, Field(ge=0)] | None
Rating = Annotated[int, Field(ge=1, le=5)] | None
Load = Literal["quiet", "normal", "busy", "very_busy"] | None


class Schema(BaseModel):
    """Base of every model: unknown keys are refused, so a view cannot publish an undocumented field."""

    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ errors

class ErrorDetail(Schema):
    code: int = Field(ge=400, le=599, description="the HTTP status, repeated")
    message: Text
    fields: dict[str, Text] = omittable("validation errors only: a message per request field")
    locked_until: DateTime = omittable("429 after too many wrong access codes: when the lock ends")


class ErrorEnvelope(Schema):
    """The one shape of every API error."""

    error: ErrorDetail


# ------------------------------------------------------------------ contact channels

class Holiday(Schema):
    is_holiday: bool
    name: str | None
    confirmed: bool


class ChannelStatus(Schema):
    id: str
    name: str
    name_en: str
    kind: str
    value: str
    href: str | None
    open_now: bool
    opens_at: DateTime | None
    closes_at: DateTime | None
    expected_wait_minutes: Minutes
    label: Load
    next_good_time: DateTime | None


class ChannelsNow(Schema):
    """Every channel's status at one moment."""

    at: DateTime
    holiday: Holiday
    channels: list[ChannelStatus]


class Slot(Schema):
    weekday: int = Field(ge=1, le=7, description="ISO weekday, 1 = Monday")
    hour: int = Field(ge=0, le=23)
    open: bool
    agents: int | None
    expected_wait_minutes: Minutes
    label: Load


class ChannelWeek(Schema):
    """A regular week of hourly estimates for one channel."""

    channel: str
    estimate: bool = Field(description="true when the channel is staffed and waits are estimated")
    grid: list[list[Slot]] = Field(description="7 rows (Monday..Sunday) of 24 hourly slots")


class ChannelVerdict(Schema):
    """Whether a number, account, email or URL is an official channel."""

    official: bool
    channel: str | None
    known_fake: bool
    warning: Text | None


# ------------------------------------------------------------------ complaints

class Category(Schema):
    id: str
    name: Text
    name_en: str
    required: list[str]
    optional: list[str]


class CategoryList(Schema):
    """The complaint categories and the details each needs."""

    categories: list[Category]


class ComplaintCreate(BaseModel):
    """A new complaint (JSON; multipart/form-data takes the same fields, `details` as JSON text, plus `evidence`)."""

    model_config = ConfigDict(extra="ignore")

    category: Literal[tuple(CATEGORIES)]
    description: str = Field(min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX)
    details: dict[str, str | int | float] = Field(default_factory=dict,
                                                  description="the category's required and optional details")
    contact_email: str | None = None
    contact_phone: str | None = None
    notify_via: Literal["email", "sms"] | None = None
    consent_privacy: bool | Literal["true", "1", "on"] = Field(description="must be true")
    consent_publish: bool | Literal["true", "1", "on"] = False


class ComplaintReceipt(Schema):
    """The answer to a filed complaint; keep the access code, it is shown only once."""

    reference: str
    access_code: str | None = Field(description="null when an Idempotency-Key replay returns an earlier complaint")
    status: Status
    first_response_due: DateTime | None
    suggested_articles: list[str]


class ComplaintPublic(Schema):
    """What anyone with the reference may see."""

    reference: str
    status: Status
    created_at: DateTime
    updated_at: DateTime | None


class TimelineEntry(Schema):
    at: DateTime
    status: Status | None
    note: str | None


class Message(Schema):
    at: DateTime
    sender: Literal["staff", "user"] = Field(alias="from")
    kind: str
    body: str | None


class Evidence(Schema):
    name: str
    sha256: str
    size: Count


class ComplaintPrivate(Schema):
    """The owner's view, opened with the X-Access-Code header."""

    reference: str
    status: Status
    category: str
    category_name: Text
    created_at: DateTime
    updated_at: DateTime | None
    first_response_due: DateTime | None
    resolution_due: DateTime | None
    overdue: bool
    timeline: list[TimelineEntry]
    messages: list[Message]
    evidence: list[Evidence]
    rating: Rating


class MessageCreate(BaseModel):
    """More information for a complaint. In JSON the body must say something; multipart takes `body`, `evidence`
    files and `evidence_kind`, and needs a non-blank body or at least one file."""

    body: str = Field(min_length=1, max_length=MESSAGE_MAX, pattern=r"\S")


# ------------------------------------------------------------------ help center

class CategorySuggestion(Schema):
    category: str
    name: Text
    url: str


class SearchHit(Schema):
    slug: str
    type: Literal["faq", "guide"]
    title: str
    title_en: str | None
    url: str
    snippet: str = Field(description="HTML: matched words in <mark>")
    score: float


class SearchResults(Schema):
    """One page of help-center search results."""

    query: str
    total: Count
    degraded: bool = Field(description="true when the index was unavailable and a plain scan answered")
    suggestion: str | None = Field(description="a corrected query to offer, if any")
    category_suggestion: CategorySuggestion | None = Field(
        default=None, description="when nothing matched: the help category that answers the question best")
    results: list[SearchHit]


class Article(Schema):
    """One help article's metadata and rendered HTML."""

    slug: str
    type: Literal["faq", "guide"]
    title: str
    title_en: str | None
    summary: str
    summary_en: str | None
    category: str
    tags: list[str]
    updated: str = Field(json_schema_extra={"format": "date"})
    related: list[str]
    url: str
    html: str


# ------------------------------------------------------------------ transparency

class OutcomeSummary(Schema):
    id: int | str
    url: str
    text: str


class Outcome(Schema):
    case: str = Field(description="public case number, stable but not the internal id")
    category: str
    filed_month: str = Field(pattern=r"^\d{4}-\d{2}$")
    outcome: Literal["resolved", "rejected"]
    days_to_close: float = Field(ge=0)
    first_response_on_time: bool
    rating: Rating
    demo: bool
    timely: bool = omittable("closed within the resolution deadline")
    summary: OutcomeSummary | None = Field(default=None, description="the published case summary, if any")


class OutcomesPage(Schema):
    """One page of published outcomes, newest first."""

    items: list[Outcome]
    page: int = Field(ge=1)
    pages: Count
    total: Count


class Period(Schema):
    start: DateTime | None = Field(alias="from")
    to: DateTime | None


class Totals(Schema):
    received: Count
    replied: Count
    open: Count
    resolved: Count
    confirmed_resolved: Count
    rejected: Count
    withdrawn: Count
    merged: Count


class MonthRow(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    received: HiddenCount
    resolved: HiddenCount
    first_response_on_time: Percent


class PhaseTiming(Schema):
    """Figures of one phase; further figures of the same kind (hours, percents, counts) may be added."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float | None]

    due: Count | None = None
    late: Count | None = None
    on_time_percent: Percent = None
    median_hours: float | None = None
    p90_hours: float | None = None


class Timings(Schema):
    """First response and resolution on the calendar; further phases (such as `<phase>_working`, in working time)
    have the same shape."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, PhaseTiming]

    first_response: PhaseTiming
    resolution: PhaseTiming


class Satisfaction(Schema):
    ratings: Count
    average: float | None
    distribution: dict[str, HiddenCount]


class Deflection(Schema):
    deflected: Count
    rate_percent: Percent


class Seller(Schema):
    seller: str
    at_fault: Count
    complaints: Count
    resolved: Count
    resolved_percent: Percent


class Suppressed(Schema):
    cell: str
    reason: Literal["small_cell", "complementary"]


class Stats(Schema):
    """Every published figure; cells of 1–4 complaints are null and listed in `suppressed`."""

    period: Period
    totals: Totals
    by_category: dict[str, HiddenCount]
    by_outcome: dict[str, HiddenCount]
    by_channel: dict[str, HiddenCount] = omittable("complaints by intake channel (web, api, …)")
    monthly: list[MonthRow]
    timings: Timings
    backlog_by_age: dict[str, Count]
    overdue: Count
    satisfaction: Satisfaction
    deflection: Deflection
    sellers: list[Seller]
    demo_data: bool
    generated_at: DateTime
    suppressed: list[Suppressed]


RESPONSE_MODELS = (ErrorEnvelope, ChannelsNow, ChannelWeek, ChannelVerdict, CategoryList, ComplaintReceipt,
                   ComplaintPublic, ComplaintPrivate, SearchResults, Article, OutcomesPage, Stats)
REQUEST_MODELS = (ComplaintCreate, MessageCreate)


def dump(model, data):
    """Validate `data` against `model` and return it as JSON text, with exactly the keys it was given."""
    return model.model_validate(data).model_dump_json(by_alias=True, exclude_unset=True)


def respond(model, data, status=200, headers=None):
    """Answer with `data` validated by `model`; a mismatch is a bug and ends as a 500 in the error envelope."""
    return current_app.response_class(dump(model, data), status=status, headers=headers,
                                      content_type=current_app.json.mimetype)
