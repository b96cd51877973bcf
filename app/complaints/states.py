"""The one state machine for complaints: statuses, who may move them where, and the transition check."""
import enum

from flask_babel import lazy_gettext as _l


class Status(enum.StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    AWAITING_USER = "awaiting_user"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REOPENED = "reopened"
    MERGED = "merged"  # closed as a duplicate; the case continues under another reference


class Actor(enum.StrEnum):
    USER = "user"
    STAFF = "staff"
    SYSTEM = "system"


STATUS_LABELS = {
    Status.RECEIVED: _l("已受理"), Status.IN_REVIEW: _l("处理中"), Status.AWAITING_USER: _l("等待你补充信息"),
    Status.RESOLVED: _l("已解决"), Status.REJECTED: _l("未予支持"), Status.WITHDRAWN: _l("已撤回"),
    Status.REOPENED: _l("已重新打开"), Status.MERGED: _l("已合并"),
}
OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_REVIEW, Status.AWAITING_USER, Status.REOPENED})
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.REJECTED, Status.WITHDRAWN, Status.MERGED})

_STAFF = frozenset({Actor.STAFF, Actor.SYSTEM})
_ANYONE = frozenset({Actor.USER, Actor.STAFF, Actor.SYSTEM})
_USER = frozenset({Actor.USER})
_USER_OR_STAFF = frozenset({Actor.USER, Actor.STAFF})
# (from, to) -> the actors allowed to make that move. Anything absent is forbidden.
TRANSITIONS = {
    (Status.RECEIVED, Status.IN_REVIEW): _STAFF,
    (Status.RECEIVED, Status.AWAITING_USER): _STAFF,
    (Status.RECEIVED, Status.RESOLVED): _STAFF,
    (Status.RECEIVED, Status.REJECTED): _STAFF,
    (Status.RECEIVED, Status.WITHDRAWN): _USER,
    (Status.IN_REVIEW, Status.AWAITING_USER): _STAFF,
    (Status.IN_REVIEW, Status.RESOLVED): _STAFF,
    (Status.IN_REVIEW, Status.REJECTED): _STAFF,
    (Status.IN_REVIEW, Status.WITHDRAWN): _USER,
    (Status.AWAITING_USER, Status.IN_REVIEW): _ANYONE,  # the user answered, or staff resumed
    (Status.AWAITING_USER, Status.RESOLVED): _STAFF,
    (Status.AWAITING_USER, Status.REJECTED): _STAFF,
    (Status.AWAITING_USER, Status.WITHDRAWN): _USER,
    (Status.REOPENED, Status.IN_REVIEW): _STAFF,
    (Status.REOPENED, Status.AWAITING_USER): _STAFF,
    (Status.REOPENED, Status.RESOLVED): _STAFF,
    (Status.REOPENED, Status.REJECTED): _STAFF,
    (Status.REOPENED, Status.WITHDRAWN): _USER,
    (Status.RECEIVED, Status.MERGED): _STAFF,
    (Status.IN_REVIEW, Status.MERGED): _STAFF,
    (Status.AWAITING_USER, Status.MERGED): _STAFF,
    (Status.REOPENED, Status.MERGED): _STAFF,
    # The user reopens within the window; staff (a supervisor) may reopen a decision they find wrong.
    (Status.RESOLVED, Status.REOPENED): _USER_OR_STAFF,
    (Status.REJECTED, Status.REOPENED): _USER_OR_STAFF,
}


class InvalidTransition(Exception):
    """The requested status change is not allowed from the current status or for this actor."""

    def __init__(self, current, target, actor):
        super().__init__(f"{actor} may not move a complaint from {current} to {target}")
        self.current, self.target, self.actor = current, target, actor


def check_transition(current, target, actor):
    """Raise InvalidTransition unless `actor` may move a complaint from `current` to `target`."""
    if Actor(actor) not in TRANSITIONS.get((Status(current), Status(target)), frozenset()):
        raise InvalidTransition(current, target, actor)


def allowed_targets(current, actor):
    """Return the statuses `actor` may move a complaint to from `current`."""
    return [to for (frm, to), actors in TRANSITIONS.items() if frm == current and Actor(actor) in actors]
