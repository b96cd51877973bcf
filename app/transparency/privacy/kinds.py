"""The kinds of personal data and their placeholders."""


PLACEHOLDERS = {
    "phone": "[手机号]", "landline": "[电话]", "id_number": "[身份证号]", "bank_card": "[银行卡号]", "qq": "[QQ]",
    "wechat": "[微信]", "email": "[邮箱]", "name": "[姓名]", "address": "[地址]", "card_code": "[卡密]",
    "order_number": "[订单号]", "account": "[账号]", "ip": "[IP]", "plate": "[车牌]", "passport": "[证件号]",
}
TYPES = tuple(PLACEHOLDERS)
