"""The words of the demo history: complaints, staff replies and published summaries, in natural Chinese.

Each text is a template with a few slots (amount, product, shop, when), so a million complaints read varied
without any of them carrying personal data: contact details and order numbers live in the structured fields.
"""
PRODUCTS = {
    "card_code_invalid": ("王者荣耀点券卡", "Steam 钱包充值卡", "网易一卡通", "京东 E 卡", "原神创世结晶兑换码",
                          "QQ 音乐绿钻月卡", "腾讯视频会员兑换码"),
    "topup_not_arrived": ("移动话费", "联通话费", "电信话费", "和平精英点券直充", "原神月卡直充", "流量包",
                          "梦幻西游点卡直充"),
    "paid_not_delivered": ("游戏账号", "Q 币卡", "爱奇艺会员年卡", "游戏金币", "PSN 点卡", "视频会员兑换码"),
    "refund": ("话费充值", "游戏点卡", "视频会员月卡", "礼品卡", "游戏直充"),
    "seller_fraud": ("游戏账号", "游戏装备", "低价点券", "代充服务", "皮肤兑换码"),
    "account_security": ("平台账号",),
    "payment": ("话费充值", "游戏点卡", "会员月卡", "礼品卡"),
    "other": ("平台服务",),
}
WHEN = ("昨天晚上", "今天上午", "今天中午", "前天下午", "上周末", "刚才", "昨天凌晨", "三天前", "今天下午")
PAY = ("支付宝", "微信支付", "银行卡", "账户余额")
DESCRIPTIONS = {
    "card_code_invalid": (
        "{when}买的 {amount} 元{product}，卡密一输入就提示“已被使用”，我是刚提取的，没给任何人看过。",
        "{product}的卡密提示无效，核对了好几遍没有输错，面值 {amount} 元，麻烦尽快处理。",
        "{when}在店铺“{shop}”买了{product}，兑换时显示“卡密不存在”，客服一直不回复。",
        "买了两张{product}，第一张能用，第二张提示已过期，订单是 {amount} 元。",
    ),
    "topup_not_arrived": (
        "{when}给手机充了 {amount} 元{product}，订单显示成功，但运营商那边一直没到账。",
        "{product} {amount} 元，付款后显示充值中，已经过了两个小时还没到账，区服和账号都核对过。",
        "{when}充的{product}没到账，页面说十分钟内到，现在还是没有，能帮忙查一下吗？",
        "用{pay}付了 {amount} 元充{product}，钱扣了，游戏里没收到，申请退款也没反应。",
    ),
    "paid_not_delivered": (
        "{when}付款买了{product}，订单一直是待发货，已经超过承诺的发货时间。",
        "在店铺“{shop}”买的{product}，付款 {amount} 元后卖家一直不发货，消息也不回。",
        "{product}付款成功快一天了还没发货，页面写的是自动发货，请平台帮忙催一下。",
    ),
    "refund": (
        "申请退款三个工作日了，{amount} 元还没退回{pay}，想知道进度。",
        "买错了{product}的面值，卖家同意退款，但 {amount} 元一直没退回来。",
        "{when}取消了{product}的订单，系统说原路退回，到现在还没收到退款。",
        "{product}没到账，平台说已经退款，可是我的{pay}里没有这笔 {amount} 元。",
    ),
    "seller_fraud": (
        "卖家让我加微信私下交易，付款 {amount} 元后就把我拉黑了。",
        "在店铺“{shop}”买的{product}，卖家发货后又找回了账号，明显是骗人的。",
        "卖家说{product}要先付保证金才能发货，我付了 {amount} 元后店铺就关了。",
        "{when}买的{product}是假的，卖家不承认，还威胁给差评就不退款。",
    ),
    "account_security": (
        "账号被冻结，提示异常登录，我本人没有做违规操作，请帮忙解冻。",
        "{when}收到异地登录提醒，随后账号里的余额少了 {amount} 元，我没有授权任何人使用。",
        "账号登录不了，提示密码错误，我怀疑被盗了，绑定的手机也收不到验证码。",
    ),
    "payment": (
        "同一个订单被扣了两次钱，{pay}账单上有两笔 {amount} 元。",
        "{when}买{product}付款失败，但{pay}显示已经扣了 {amount} 元。",
        "开通{product}后每个月自动扣费 {amount} 元，我没有同意过自动续费。",
    ),
    "other": (
        "希望平台能提供更多的支付方式，比如云闪付。",
        "订单页面在手机上显示不全，看不到发货时间，希望改进一下。",
        "联系在线客服排队太久了，能不能增加人工客服的时间？",
    ),
}
REPLIES = (
    "你好，已收到你的投诉，我们正在核实订单情况，预计一个工作日内给你答复。",
    "你好，这边已经联系卖家核实，请耐心等待，有进展会第一时间告诉你。",
    "你好，我们已把情况转给技术同事排查，请先不要重复下单。",
    "你好，已经在处理了，核实需要一点时间，请留意站内消息。",
)
REQUESTS = (
    "请上传支付记录截图和订单详情截图，方便我们核实。",
    "请补充报错页面的截图，以及你提取卡密的时间。",
    "请提供你和卖家的聊天记录截图，方便我们判断责任。",
    "请确认充值的账号或区服是否填写正确，并上传充值页面截图。",
)
USER_ANSWERS = ("截图已经上传了，麻烦看一下。", "区服没有填错，截图在附件里。", "聊天记录已补充，请尽快处理。",
                "已经补充了支付记录，谢谢。")
DECISIONS = {
    "full_refund": ("已核实，款项已全额原路退回，一般一到三个工作日到账。", "卖家未能按时发货，已为你全额退款。",
                    "经核实属于平台问题，已全额退款，给你添麻烦了。"),
    "partial_refund": ("已与卖家协商，退还未到账部分的金额。", "部分商品已正常使用，已退还其余部分的款项。"),
    "replacement": ("已核实，已为你补发卡密，请在订单详情中查看。", "已重新为你充值，请登录查看是否到账。",
                    "原充值失败，已补充到账，请核对。"),
    "seller_penalised": ("已核实卖家违规，店铺已被处罚，款项已从卖家保证金中赔付。", "卖家存在违规行为，已下架相关商品并处罚。"),
    "explained": ("已核实订单正常完成，充值已到账，可能是运营商延迟显示，请再次查看。", "已向你说明退款的到账时间，款项在银行处理中。"),
    "rejected": ("经核实卡密在提取后已被本人账号使用，无法退款。", "订单已按约定完成交付，暂不支持退款。",
                 "提供的材料不足以证明卖家违规，暂不支持你的诉求，可补充证据后重新提交。",
                 "充值记录显示已到账至你填写的账号，无法重复充值。"),
}
WITHDRAW_REASONS = ("问题已经自行解决", "卖家已经退款了", "充值已经到账", "和卖家协商好了", None)
REOPEN_REASONS = ("退款说已退回，但我还是没有收到。", "补发的卡密还是用不了。", "不认可这个结果，我有新的证据。",
                  "充值还是没有到账。")
RATING_COMMENTS = {5: ("处理很快，谢谢客服。", "客服很耐心，问题解决了。", "比想象中快，点赞。"),
                   4: ("解决了，就是等得有点久。", "结果满意，沟通可以再及时一点。"),
                   3: ("结果还行，沟通可以更主动一点。", "问题解决了，但中间等了很久没人回复。"),
                   2: ("处理太慢，中间没人告诉我进度。", "只退了一部分，不太满意。"),
                   1: ("不认可这个结果。", "拖了很久，最后也没解决。")}
SHOPS = ("星河数码专营店", "速充小铺", "云端卡券", "极速点卡", "乐享充值", "橙子游戏", "凌风数码", "好运来卡行",
         "易购卡密", "青柠虚拟", "快乐充", "蓝鲸游戏", "百川卡券", "晨光数码", "小熊充值", "天天点卡", "喵喵卡铺",
         "万家虚拟", "北辰游戏", "海棠卡券")
SUMMARY_PROBLEMS = {
    "card_code_invalid": ("用户购买的{product}在兑换时提示卡密已被使用。", "用户反映{product}的卡密无效，多次核对仍无法兑换。"),
    "topup_not_arrived": ("用户充值{product}后，订单显示成功但一直没有到账。", "用户反映{product}付款后长时间未到账。"),
    "paid_not_delivered": ("用户购买{product}并付款后，卖家超过承诺时间仍未发货。",),
    "refund": ("用户申请退款后，款项迟迟没有退回原支付方式。", "用户取消订单后没有收到原路退回的款项。"),
    "seller_fraud": ("用户反映卖家诱导站外交易，付款后失联。", "用户购买的{product}发货后被卖家找回。"),
    "account_security": ("用户的账号因异常登录被冻结，本人否认有违规操作。",),
    "payment": ("用户反映同一订单被重复扣款。", "用户反映付款失败但已被扣款。"),
    "other": ("用户对平台服务提出改进建议。",),
}
SUMMARY_HANDLING = {
    "resolved": ("客服调取了订单和发货记录，并联系卖家核实。", "客服核对了支付流水和充值记录，确认问题属实。",
                 "客服请用户补充了截图，随后与卖家和支付渠道核实。"),
    "rejected": ("客服核对了订单、提取记录和用户提交的材料。", "客服调取了交付记录，并听取了卖家的说明。"),
}
SUMMARY_RESULTS = {
    "full_refund": "平台为用户全额退款", "partial_refund": "平台协调卖家退还了部分款项",
    "replacement": "平台为用户补发或重新充值", "seller_penalised": "卖家被处罚，用户获得赔付",
    "explained": "客服向用户解释了原因和到账时间", "rejected": "记录显示商品已正常交付，平台未予支持",
}


def summary_text(rng, category, outcome, product, days):
    """A published summary in the shape staff write them: the problem, what was done, the result and the time."""
    problem = rng.choice(SUMMARY_PROBLEMS[category]).format(product=product)
    handling = rng.choice(SUMMARY_HANDLING["rejected" if outcome == "rejected" else "resolved"])
    return f"{problem}\n{handling}\n结果：{SUMMARY_RESULTS[outcome]}，用时 {days:.1f} 天。"
