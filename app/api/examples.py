"""One example answer per API operation, shown in the OpenAPI document and on /api (tests validate each one)."""

REFERENCE = "TS-7K2M-Q9XD-4HTR-8NB"
ACCESS_CODE = "R7Q2M-KX94D"

CHANNELS = {
    "at": "2026-10-01T10:00:00+08:00",
    "holiday": {"is_holiday": True, "name": "国庆节", "confirmed": True},
    "channels": [{"id": "hotline", "name": "客服热线", "name_en": "Customer service hotline", "kind": "phone",
                  "value": "400-618-5200", "href": "tel:4006185200", "open_now": True, "opens_at": None,
                  "closes_at": "2026-10-01T18:00:00+08:00", "expected_wait_minutes": 2.3, "label": "normal",
                  "next_good_time": "2026-10-01T14:00:00+08:00"}],
}

CHANNEL_WEEK = {
    "channel": "hotline", "estimate": True,
    "grid": [[{"weekday": 1, "hour": 9, "open": True, "agents": 9, "expected_wait_minutes": 0.2, "label": "quiet"},
              {"weekday": 1, "hour": 10, "open": True, "agents": 12, "expected_wait_minutes": 5.6, "label": "busy"}]],
}

CHANNEL_VERDICT = {
    "official": False, "channel": None, "known_fake": False,
    "warning": "这不是卡盟的官方客服渠道。官方客服绝不会索要卡密、密码或验证码，不会要求屏幕共享，也不会发“退款链接”。",
}

CATEGORIES = {"categories": [{"id": "topup_not_arrived", "name": "充值未到账", "name_en": "Top-up not arrived",
                              "required": ["order_number", "purchase_time", "topup_account"],
                              "optional": ["amount", "product_type", "payment_method"]}]}

COMPLAINT_REQUEST = {
    "category": "topup_not_arrived",
    "description": "昨天晚上充值了 100 元话费，到现在还没到账，订单显示已完成。",
    "details": {"order_number": "KM202611201234567890", "purchase_time": "2026-11-26T20:15",
                "topup_account": "13800138000"},
    "contact_email": "user@example.com", "notify_via": "email", "consent_privacy": True,
}

COMPLAINT_RECEIPT = {"reference": REFERENCE, "access_code": ACCESS_CODE, "status": "received",
                     "first_response_due": "2026-11-28T12:00:00+00:00",
                     "suggested_articles": ["recharge-not-arrived", "refund-not-received"]}

COMPLAINT_PRIVATE = {
    "reference": REFERENCE, "status": "awaiting_user", "category": "topup_not_arrived", "category_name": "充值未到账",
    "created_at": "2026-11-27T12:00:00+00:00", "updated_at": "2026-11-27T15:30:00+00:00",
    "first_response_due": "2026-11-28T12:00:00+00:00", "resolution_due": "2026-12-04T12:00:00+00:00",
    "overdue": False,
    "timeline": [{"at": "2026-11-27T15:30:00+00:00", "status": "awaiting_user", "note": "请补充充值记录截图。"}],
    "messages": [{"at": "2026-11-27T16:00:00+00:00", "from": "user", "kind": "user_message",
                  "body": "截图已上传。"}],
    "evidence": [{"name": "充值记录.png", "size": 48213,
                  "sha256": "9f2c4a1be0d7c3f58a6e1b2d4c7f9a0e3b5d8c1f2a4e6b7d9c0f1e2a3b4c5d6e"}],
    "rating": None,
}

MESSAGE_REQUEST = {"body": "截图已上传，充值账号是 13800138000。"}

SEARCH = {"query": "退款", "total": 13, "degraded": False, "suggestion": None,
          "category_suggestion": {"category": "refunds", "name": "退款与售后", "url": "/help/category/refunds"},
          "results": [{"slug": "refund-policy", "type": "faq", "title": "什么情况可以退款？钱多久能退回来？",
                       "title_en": "When can I get a refund, and how long does it take?",
                       "url": "/help/faq/refund-policy", "score": 48.1,
                       "snippet": "未发货、卡密经核验无效、充值失败等情况可以<mark class=\"match term0\">退款</mark>。"}]}

ARTICLE = {"slug": "refund-policy", "type": "faq", "title": "什么情况可以退款？钱多久能退回来？",
           "title_en": "When can I get a refund, and how long does it take?",
           "summary": "未发货、卡密经核验无效、充值失败等情况可以退款，款项原路退回。",
           "summary_en": "Refunds apply to undelivered orders, invalid card codes and failed top-ups.",
           "category": "refunds", "tags": ["refund", "after-sales"], "updated": "2026-11-20",
           "related": ["refund-not-received"], "url": "/help/faq/refund-policy",
           "html": "<p>虚拟商品一旦交付通常无法“退货”。</p>"}

OUTCOMES = {"items": [{"case": "C3F9A02B1DE", "category": "topup_not_arrived", "filed_month": "2026-10",
                       "outcome": "resolved", "days_to_close": 2.5, "first_response_on_time": True, "rating": 5,
                       "demo": False, "timely": True,
                       "summary": {"id": 12, "url": "/transparency/outcomes/12",
                                   "text": "充值接口超时导致未到账，平台补充值并致歉。"}}],
            "page": 1, "pages": 1, "total": 1}

_TIMING = {"due": 120, "late": 6, "on_time_percent": 95.0, "median_hours": 3.2, "p90_hours": 20.5}
STATS = {
    "period": {"from": "2026-01-01T00:00:00+08:00", "to": "2026-12-01T00:00:00+08:00"},
    "totals": {"received": 130, "replied": 125, "open": 10, "resolved": 100, "confirmed_resolved": 60,
               "rejected": 12, "withdrawn": 6, "merged": 2},
    "by_category": {"topup_not_arrived": 70, "refund": 57, "other": None},
    "by_outcome": {"full_refund": 60, "explained": 40},
    "by_channel": {"web": 110, "api": 20},
    "monthly": [{"month": "2026-11", "received": 42, "resolved": 35, "first_response_on_time": 97.6}],
    "timings": {"first_response": _TIMING, "resolution": {**_TIMING, "median_hours": 60.0, "p90_hours": 150.0},
                "first_response_working": {"median_hours": 2.1, "p90_hours": 9.0},
                "resolution_working": {"median_hours": 40.0, "p90_hours": 96.0}},
    "backlog_by_age": {"0-1": 4, "1-3": 3, "3-7": 2, "7-30": 1, "30+": 0},
    "overdue": 1,
    "satisfaction": {"ratings": 48, "average": 4.4, "distribution": {"1": None, "2": None, "3": 6, "4": 12, "5": 27}},
    "deflection": {"deflected": 300, "rate_percent": 69.8},
    "sellers": [{"seller": "S1024", "at_fault": 5, "complaints": 7, "resolved": 6, "resolved_percent": 85.7}],
    "demo_data": False,
    "generated_at": "2026-12-01T08:00:00+00:00",
    "suppressed": [{"cell": "by_category.other", "reason": "small_cell"},
                   {"cell": "satisfaction.distribution.1", "reason": "small_cell"},
                   {"cell": "satisfaction.distribution.2", "reason": "small_cell"}],
}

ERRORS = {
    400: {"error": {"code": 400, "message": "some fields are invalid; see `fields`",
                    "fields": {"contact_email": "邮箱格式不正确，例如 name@example.com。"}}},
    404: {"error": {"code": 404, "message": "no complaint with this reference"}},
    405: {"error": {"code": 405, "message": "不支持的操作"}},
    409: {"error": {"code": 409, "message": "the complaint is closed; reopen it first if it was resolved or rejected"}},
    413: {"error": {"code": 413, "message": "文件太大"}},
    415: {"error": {"code": 415, "message": "请求有误"}},
    429: {"error": {"code": 429, "message": "too many wrong access codes; try again later",
                    "locked_until": "2026-11-27T16:15:00+00:00"}},
    500: {"error": {"code": 500, "message": "服务器出错了"}},
    503: {"error": {"code": 503, "message": "the complaint could not be stored; nothing was saved, please retry"}},
}
