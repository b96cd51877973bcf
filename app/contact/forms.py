"""Forms of the contact pages."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.contact.models import NOTE_MAX
from app.contact.verify import MAX_VALUE_LENGTH
from app.forms import PortalForm


class VerifyForm(PortalForm):
    """The "is this really customer service?" check; a GET form, so CSRF is off."""

    class Meta:
        csrf = False

    value = StringField(
        _l("对方的电话、QQ、微信号、邮箱或链接"),
        description=_l("原样粘贴即可，空格、横线、+86 和全角数字都没关系。"),
        validators=[DataRequired(message=_l("请输入要核对的号码、账号或链接。")),
                    Length(max=MAX_VALUE_LENGTH, message=_l("太长了：最多 %(max)d 个字符。"))])


class FakeReportForm(PortalForm):
    """"举报这个号码": the value that was checked, as typed, and what happened (optional)."""

    value = HiddenField(validators=[DataRequired(message=_l("请输入要核对的号码、账号或链接。")),
                                    Length(max=MAX_VALUE_LENGTH, message=_l("太长了：最多 %(max)d 个字符。"))])
    note = TextAreaField(
        _l("对方怎么联系你的、说了什么（可选）"),
        description=_l("请不要填写你自己的密码、卡密、验证码或银行卡号。"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("最多 %(max)d 个字。"))],
        render_kw={"maxlength": NOTE_MAX, "rows": 3})
