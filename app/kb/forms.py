"""Help-center forms."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length, NumberRange, Optional

from app.forms import PortalForm

MAX_QUERY_LENGTH = 200


class SearchForm(PortalForm):
    """The GET search form: no CSRF, since searching changes nothing."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索帮助中心"), validators=[Length(max=MAX_QUERY_LENGTH,
                                                      message=_l("搜索内容不能超过 %(max)d 个字。"))])
    type = SelectField(_l("类型"), choices=[("", _l("全部")), ("faq", _l("常见问题")), ("guide", _l("交易指南"))],
                       validators=[Optional()], validate_choice=False)
    category = HiddenField()
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=500)], default=1)


class FeedbackForm(PortalForm):
    """"这篇文章有帮助吗？" with an optional reason when it did not help."""

    helpful = RadioField(_l("这篇文章有帮助吗？"), choices=[("yes", _l("有帮助")), ("no", _l("没有帮助"))],
                         validate_choice=False,
                         validators=[AnyOf(["yes", "no"], message=_l("请选择“有帮助”或“没有帮助”。"))])
    reason = SelectField(_l("哪里不够好？（可选）"), validators=[Optional()], choices=[
        ("", _l("请选择")), ("not_my_problem", _l("没有回答我的问题")), ("unclear", _l("看不懂 / 步骤不清楚")),
        ("did_not_work", _l("照做了但没解决")), ("outdated", _l("内容过时")), ("other", _l("其他"))])
    comment = TextAreaField(_l("还有什么想告诉我们的？（可选，请勿填写卡密、密码等个人信息）"),
                            validators=[Optional(), Length(max=500, message=_l("最多 %(max)d 个字。"))])
