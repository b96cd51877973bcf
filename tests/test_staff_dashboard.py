"""The supervisors' dashboard: backlog by age, overdue, load per agent, and the help center's content gaps."""
import datetime as dt

from app.complaints import queue
from app.kb import services as kb_services
from app.kb.models import ArticleVote
from app.extensions import db
from app.timeutil import utcnow
from tests.factories import file_complaint, staff_act


def test_backlog_counts_open_cases_by_status_and_age(app):
    now = utcnow()
    for days in (0.5, 2, 2.5, 10, 45):
        file_complaint(app, now=now - dt.timedelta(days=days))
    waiting = file_complaint(app, now=now - dt.timedelta(days=4))[0]
    staff_act(app, waiting, "request_info", body="请补充")
    closed = file_complaint(app, now=now - dt.timedelta(days=1))[0]
    staff_act(app, closed, "reject", body="不符合条件")
    with app.app_context():
        backlog = queue.backlog_by_age(now)
        assert backlog["received"] == [1, 2, 0, 1, 1]
        assert backlog["awaiting_user"] == [0, 0, 1, 0, 0]
        assert "rejected" not in backlog
        # Late first replies: the 2, 2.5, 10 and 45-day-old cases; the waiting one is paused.
        assert queue.overdue_count(now) == 4


def test_dashboard_shows_load_per_agent_and_content_gaps(app, client, signed_in):
    email = signed_in("agent", name="客服阿杰")
    reference = file_complaint(app)[0]
    staff_act(app, reference, "take", "客服阿杰")
    resolved = file_complaint(app, now=utcnow() - dt.timedelta(hours=30))[0]
    staff_act(app, resolved, "resolve", "客服阿杰", outcome="explained", body="已解释")
    client.get("/search?q=xqzvbn的火星文")
    with app.app_context():
        db.session.add(ArticleVote(slug="refund-policy", visitor="v1", helpful=False, comment="没写支付宝多久到账"))
        db.session.commit()
        assert kb_services.zero_result_searches()[0] == ("xqzvbn的火星文", 1)
    page = client.get("/staff/dashboard").get_data(as_text=True)
    row = page.split("客服阿杰</a></th>")[1].split("</tr>")[0]
    assert ">1<" in row and "30.0 小时" in row
    assert "xqzvbn的火星文" in page and "没写支付宝多久到账" in page
    assert email not in page.split("<main")[1]
