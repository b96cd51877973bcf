"""Complaint categories and the details each needs: the intake asks exactly for these."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class DetailField:
    id: str
    label: object
    label_en: str
    hint: object
    kind: str = "text"  # text | order_number | datetime | amount | choice
    choices: tuple = ()


PAYMENT_METHODS = (("balance", _l("账户余额")), ("alipay", _l("支付宝")), ("wechat", _l("微信支付")),
                   ("bank_card", _l("银行卡")), ("other", _l("其他")))
PRODUCT_TYPES = (("card_code", _l("卡密 / 点卡")), ("direct_topup", _l("直充（游戏或账号）")),
                 ("phone_credit", _l("话费 / 流量")), ("gift_card", _l("礼品卡")), ("game_item", _l("游戏道具 / 账号")),
                 ("other", _l("其他")))

DETAIL_FIELDS = {f.id: f for f in (
    DetailField("order_number", _l("订单号"), "Order number",
                _l("在“我的订单”里，以 KM 开头的 18 位数字，可长按复制。"), kind="order_number"),
    DetailField("purchase_time", _l("购买时间"), "Time of purchase",
                _l("订单详情页的“下单时间”，精确到分钟即可。"), kind="datetime"),
    DetailField("amount", _l("金额（元）"), "Amount (CNY)", _l("实际支付的金额，见订单详情或支付记录。"), kind="amount"),
    DetailField("payment_method", _l("支付方式"), "Payment method", _l("付款时使用的方式。"), kind="choice",
                choices=PAYMENT_METHODS),
    DetailField("product_type", _l("商品类型"), "Product type", _l("商品页标题下方写明了发货方式。"), kind="choice",
                choices=PRODUCT_TYPES),
    DetailField("product_name", _l("商品名称"), "Product", _l("例如：某游戏 100 元点卡、移动话费 50 元。")),
    DetailField("seller_id", _l("卖家或店铺编号"), "Seller or shop id", _l("商品页或订单详情里的店铺编号或店铺名称。")),
    DetailField("topup_account", _l("充值的账号"), "Account that was topped up",
                _l("你填写的游戏账号、区服或手机号，用于核对是否充错。")),
    DetailField("account_id", _l("出问题的账号"), "Affected account", _l("平台登录账号（手机号或用户名）。")),
    DetailField("error_message", _l("报错提示"), "Error message", _l("使用卡密时看到的原文提示，例如“卡密已被使用”。")),
    DetailField("payment_reference", _l("支付流水号"), "Payment reference",
                _l("支付宝 / 微信账单详情里的“订单号”或银行流水号。")),
)}

EVIDENCE_KINDS = (("order_page", _l("订单详情截图")), ("payment_record", _l("支付截图")),
                  ("error_screen", _l("报错截图")), ("chat_record", _l("聊天记录截图")), ("other", _l("其他材料")))


@dataclass(frozen=True)
class Category:
    id: str
    name: object
    name_en: str
    required: tuple
    optional: tuple
    evidence: tuple  # evidence kinds that make the case complete


CATEGORIES = {c.id: c for c in (
    Category("card_code_invalid", _l("卡密无效 / 用不了"), "Card code invalid",
             ("order_number", "purchase_time"), ("product_name", "amount", "error_message", "seller_id"),
             ("error_screen", "order_page")),
    Category("topup_not_arrived", _l("充值未到账"), "Top-up not arrived",
             ("order_number", "purchase_time", "topup_account"), ("amount", "product_type", "payment_method"),
             ("order_page", "payment_record")),
    Category("paid_not_delivered", _l("付款后未发货"), "Paid but not delivered",
             ("order_number", "purchase_time", "amount"), ("payment_method", "seller_id", "payment_reference"),
             ("payment_record", "order_page")),
    Category("refund", _l("退款问题"), "Refund",
             ("order_number", "amount"), ("payment_method", "purchase_time", "payment_reference"),
             ("order_page", "payment_record")),
    Category("seller_fraud", _l("卖家欺诈"), "Seller fraud",
             ("seller_id", "order_number"), ("amount", "purchase_time", "product_type"),
             ("chat_record", "order_page")),
    Category("account_security", _l("账号冻结或被盗"), "Account frozen or stolen",
             ("account_id",), ("order_number", "purchase_time"), ("other",)),
    Category("payment", _l("支付与扣款"), "Payments and charges",
             ("payment_method", "amount", "purchase_time"), ("order_number", "payment_reference"),
             ("payment_record",)),
    Category("other", _l("其他问题"), "Other", (), ("order_number", "purchase_time", "amount"), ()),
)}


def evidence_label(kind):
    """Return the display label of an evidence kind."""
    return dict(EVIDENCE_KINDS).get(kind, kind)
