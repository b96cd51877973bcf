"""Forms of the contact pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.contact.verify import MAX_VALUE_LENGTH


class VerifyForm(FlaskForm):
    """The "is this really customer service?" check; a GET form, so CSRF is off."""

    class Meta:
        csrf = False

    value = StringField(
        _l("对方的电话、QQ、微信号、邮箱或链接"),
        description=_l("原样粘贴即可，空格、横线、+86 和全角数字都没关系。"),
        validators=[DataRequired(message=_l("请输入要核对的号码、账号或链接。")),
                    Length(max=MAX_VALUE_LENGTH, message=_l("太长了：最多 %(max)d 个字符。"))])
