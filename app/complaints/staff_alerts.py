"""Which staff hear about a complaint event: its assigned agent, or the supervisors while nobody holds it."""
from app.accounts import alerts


def _holder_or_supervisors(complaint, kind, text):
    if complaint.assignee is not None and complaint.assignee.active:
        alerts.alert(complaint.assignee, kind, text, complaint)
    else:
        alerts.alert_supervisors(kind, text, complaint)


def user_answered(complaint):
    """The user added information to their complaint."""
    _holder_or_supervisors(complaint, "user_answered", f"用户补充了信息：{complaint.reference}")


def reopened(complaint):
    """The user reopened a closed complaint."""
    _holder_or_supervisors(complaint, "reopened", f"用户重新打开了投诉：{complaint.reference}")


def assigned(complaint, assignee, by):
    """A complaint was assigned to `assignee` by someone else."""
    if assignee.id != by.id:
        alerts.alert(assignee, "assigned", f"{by.display_name} 把投诉分配给你：{complaint.reference}", complaint)


def due_soon(complaint):
    """A held complaint is about to pass its due time."""
    _holder_or_supervisors(complaint, "due_soon", f"投诉即将超时：{complaint.reference}")


def escalated(complaint):
    """An overdue complaint was escalated: supervisors always hear, and so does its holder."""
    text = f"投诉已超时并升级：{complaint.reference}"
    alerts.alert_supervisors("escalated", text, complaint)
    if complaint.assignee is not None and complaint.assignee.active and not complaint.assignee.has_role("supervisor"):
        alerts.alert(complaint.assignee, "escalated", text, complaint)
