"""Tracking by reference: forgiving input, typo detection, public vs owner view, lockout and rate limits."""
import datetime as dt
import io
import re

import pytest
from PIL import Image

from app.complaints import casework, reference as refs, services
from app.timeutil import utcnow
from tests.factories import file_complaint, staff_act

WRONG_CODE = "ZZZZZ-ZZZZZ"


def lookup(client, reference, code):
    return client.post("/track", data={"reference": reference, "access_code": code})


def text(response):
    return response.get_data(as_text=True)


def png():
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def filed(app):
    return file_complaint(app)


def test_form_prefills_the_reference_from_the_query_string(client, filed):
    reference, _ = filed
    page = text(client.get(f"/track?reference={reference}"))
    assert f'value="{reference}"' in page and 'name="access_code"' in page


def test_lower_case_spaces_and_look_alikes_are_forgiven(client, filed):
    reference, code = filed
    messy = reference.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    response = lookup(client, messy, code.lower().replace("-", ""))
    assert response.headers["Location"] == f"/track/{reference}"


def test_a_mistyped_symbol_is_caught_by_the_check_character(client, filed):
    reference, code = filed
    symbol = reference[5]
    typo = reference[:5] + refs.ALPHABET[(refs.ALPHABET.index(symbol) + 1) % 32] + reference[6:]
    page = text(lookup(client, typo, code))
    assert "投诉编号有误，请检查是否输错了某一位" in page
    assert re.search(r'aria-describedby="[^"]*reference-error', page)


def test_a_malformed_reference_shows_the_expected_shape(client):
    page = text(lookup(client, "TS-12345", "ABCDE-FGHJK"))
    assert "投诉编号格式应为 TS-XXXX-XXXX-XXXX-XXX" in page


def test_the_code_stays_out_of_the_url(client, filed):
    reference, code = filed
    location = lookup(client, reference, code).headers["Location"]
    assert code not in location and code.replace("-", "") not in location


def test_wrong_code_and_unknown_reference_get_the_same_answer(client, filed):
    reference, _ = filed
    unknown = refs.new_reference()
    known_page = text(lookup(client, reference, WRONG_CODE)).replace(reference, "REF")
    unknown_page = text(lookup(client, unknown, WRONG_CODE)).replace(unknown, "REF")
    assert "投诉编号或查询码不正确" in known_page
    assert known_page == unknown_page


def test_reference_alone_shows_status_and_dates_only(client, app):
    reference, _ = file_complaint(app, description="我的私人信息：充值账号 13800138000，订单 KM 开头的那一单。")
    staff_act(app, reference, "reply", "客服小李", body="已联系商家，请耐心等待处理结果")
    page = text(client.get(f"/track/{reference}"))
    assert "处理中" in page and "提交时间" in page and "最近更新" in page
    assert "已联系商家" not in page and "13800138000" not in page and "客服小李" not in page
    assert 'name="access_code"' in page


def test_owner_sees_timeline_replies_and_due_dates(client, app, filed):
    reference, code = filed
    staff_act(app, reference, "reply", "客服小李", body="已联系商家，请耐心等待处理结果")
    staff_act(app, reference, "take", "客服小李")
    page = text(client.get(lookup(client, reference, code).headers["Location"]))
    assert "已联系商家，请耐心等待处理结果" in page and "客服回复" in page
    assert "预计处理完成" in page and "首次回复" in page
    timeline = page.split('id="timeline"')[1].split("</ol>")[0]
    assert timeline.index("已受理") < timeline.index("已联系商家") < timeline.index("处理中")
    assert timeline.count("<time datetime=") == 3


def test_a_staff_question_is_highlighted(client, app, filed):
    reference, code = filed
    staff_act(app, reference, "request_info", "客服小李", body="请上传支付截图")
    page = text(client.get(lookup(client, reference, code).headers["Location"]))
    assert "客服需要你补充信息" in page and "请上传支付截图" in page and "等待你补充信息" in page


def test_overdue_is_said_honestly(client, app):
    reference, code = file_complaint(app, now=utcnow() - dt.timedelta(days=30))
    page = text(client.get(lookup(client, reference, code).headers["Location"]))
    assert "已超时" in page and "已超过预计首次回复时间" in page and "（按工作时间计）" in page
    assert "还没有分配客服" in page and "目前仍没有客服接手" in page
    assert "已自动升级" not in page and "正在加快处理" not in page


def test_overdue_page_says_when_it_was_escalated_and_who_holds_it(client, app):
    reference, code = file_complaint(app, now=utcnow() - dt.timedelta(days=30))
    with app.app_context():
        assert casework.escalate_overdue() == 1
    staff_act(app, reference, "reply", "客服阿杰", body="很抱歉让你久等，正在核实。")
    page = text(client.get(lookup(client, reference, code).headers["Location"]))
    assert "已自动升级，主管已收到提醒" in page and "负责客服：客服阿杰" in page
    assert "已超过预计处理完成时间" in page


def test_owner_pages_are_not_cached(client, filed):
    reference, code = filed
    response = client.get(lookup(client, reference, code).headers["Location"])
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_non_canonical_reference_in_the_url_redirects(client, filed):
    reference, _ = filed
    assert client.get(f"/track/{reference.lower()}").headers["Location"] == f"/track/{reference}"


def test_unknown_or_malformed_reference_in_the_url_is_404(client):
    assert client.get(f"/track/{refs.new_reference()}").status_code == 404
    assert client.get("/track/not-a-reference").status_code == 404


def test_the_session_remembers_the_last_ten_references(client, app):
    filed = [file_complaint(app, contact_email=f"u{i}@example.com") for i in range(11)]
    for reference, code in filed:
        lookup(client, reference, code)
    with client.session_transaction() as session:
        assert session["tracking_verified"] == [reference for reference, _ in filed[1:]]
    assert 'name="access_code"' in text(client.get(f"/track/{filed[0][0]}"))


def test_evidence_downloads_as_an_attachment_for_the_owner_only(client, app, filed):
    reference, code = filed
    lookup(client, reference, code)
    client.post(f"/track/{reference}/message", data={"body": "", "files": [(io.BytesIO(png()), "支付截图.png")]},
                content_type="multipart/form-data")
    with app.app_context():
        evidence_id = services.find_by_reference(reference).evidence[0].id
    url = f"/track/{reference}/evidence/{evidence_id}"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    stranger = app.test_client()
    assert stranger.get(url).headers["Location"] == f"/track/{reference}"


def test_evidence_of_another_complaint_is_not_served(client, app, filed):
    reference, code = filed
    other, other_code = file_complaint(app, contact_email="other@example.com")
    lookup(client, other, other_code)
    client.post(f"/track/{other}/message", data={"files": [(io.BytesIO(png()), "a.png")]},
                content_type="multipart/form-data")
    lookup(client, reference, code)
    with app.app_context():
        evidence_id = services.find_by_reference(other).evidence[0].id
    assert client.get(f"/track/{reference}/evidence/{evidence_id}").status_code == 404


def test_five_wrong_codes_lock_the_reference_for_fifteen_minutes(client, app, filed):
    app.config["RATELIMIT_ENABLED"] = False
    reference, code = filed
    for _ in range(5):
        assert "投诉编号或查询码不正确" in text(lookup(client, reference, WRONG_CODE))
    page = text(lookup(client, reference, code))
    assert "查询码输错次数过多，请 15 分钟后再试" in page


def test_unknown_references_lock_the_same_way(client, app):
    app.config["RATELIMIT_ENABLED"] = False
    unknown = refs.new_reference()
    for _ in range(5):
        lookup(client, unknown, WRONG_CODE)
    assert "查询码输错次数过多" in text(lookup(client, unknown, WRONG_CODE))


def test_the_lock_lifts_after_fifteen_minutes(app, filed):
    reference, code = filed
    now = utcnow()
    with app.app_context():
        for _ in range(5):
            with pytest.raises(services.AccessDenied):
                services.verify_access(reference, WRONG_CODE, now=now)
        with pytest.raises(services.AccessLocked):
            services.verify_access(reference, code, now=now + dt.timedelta(minutes=14))
        assert services.verify_access(reference, code, now=now + dt.timedelta(minutes=16)).reference == reference


def test_lookups_are_rate_limited_per_client(app):
    app.config["RATELIMIT_ENABLED"] = True
    client = app.test_client()
    statuses = [lookup(client, refs.new_reference(), WRONG_CODE).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[-1] == 429


def test_forget_on_this_device_requires_the_code_again(app, client):
    from tests.factories import make_complaint

    with app.app_context():
        complaint, code = make_complaint()
        reference = complaint.reference
    client.post("/track", data={"reference": reference, "access_code": code})
    assert "timeline-heading" in client.get(f"/track/{reference}").get_data(as_text=True)
    client.post("/track/forget")
    assert "timeline-heading" not in client.get(f"/track/{reference}").get_data(as_text=True)


def test_a_u_in_the_reference_suggests_a_v(client):
    page = client.post("/track", data={"reference": "TS-K94K-3GZ7-B79P-TYU", "access_code": "AAAAA-BBBBB"})
    assert "不会出现字母 U，可能是 V" in page.get_data(as_text=True)


def test_a_mistyped_reference_in_the_url_gets_the_form_with_the_same_hint(client, filed):
    reference, _ = filed
    typo = reference[:-1] + ("V" if reference[-1] != "V" else "W")  # one symbol off: the check symbol catches it
    for url, hint in ((f"/track/{typo}", "投诉编号有误，请检查是否输错了某一位"),
                      ("/track/TS-K94K-3GZ7-B79P-TYU", "不会出现字母 U，可能是 V"),
                      ("/track/not-a-reference", "投诉编号格式应为"),
                      (f"/track/{refs.new_reference()}", "没有找到这个投诉编号")):
        response = client.get(url)
        page = text(response)
        assert response.status_code == 404, url
        assert hint in page and 'id="reference-error"' in page and 'name="access_code"' in page, url
        assert f'value="{url.rsplit("/", 1)[1]}"' in page, "the reference from the link is kept to correct"


def test_the_owner_page_shows_a_progress_stepper_with_due_time_and_holder(client, app, filed):
    reference, code = filed
    lookup(client, reference, code)
    page = text(client.get(f"/track/{reference}"))
    stepper = page[page.index('data-testid="progress"'):page.index("</ol>", page.index('data-testid="progress"'))]
    assert [label for label in ("已受理", "处理中", "待你补充", "已办结") if label in stepper] == [
        "已受理", "处理中", "待你补充", "已办结"]
    assert stepper.count('aria-current="step"') == 1
    assert re.search(r'aria-current="step">\s*<span[^>]*>1</span>\s*<span class="progress-label">已受理', stepper)
    assert "前首次回复" in page and "还没有分配客服" in page and 'data-testid="status"' in page

    staff_act(app, reference, "take", "客服阿杰")
    staff_act(app, reference, "resolve", "客服阿杰", outcome="replacement", body="已为你补发。")
    page = text(client.get(f"/track/{reference}"))
    assert re.search(r'progress-skipped"\s*>\s*<span[^>]*>–</span>\s*<span class="progress-label">待你补充', page)
    assert "办结：已解决" in page


def test_the_lookup_page_lists_the_complaints_opened_on_this_device(client, app):
    first, second = file_complaint(app), file_complaint(app, contact_email="b@example.com")
    assert "我在这台设备上查过的投诉" not in text(client.get("/track"))
    for reference, code in (first, second):
        lookup(client, reference, code)
    page = text(client.get("/track"))
    listed = page[page.index("我在这台设备上查过的投诉"):]
    assert listed.index(second[0]) < listed.index(first[0]), "most recent first"
    assert listed.count("已受理") == 2 and listed.count("前首次回复") == 2
    assert 'action="/track/forget"' in listed
    client.post("/track/forget")
    assert "我在这台设备上查过的投诉" not in text(client.get("/track"))
