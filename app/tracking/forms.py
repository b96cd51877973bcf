"""Forms of progress tracking and follow-up."""
import re

from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.complaints import reference as refs, validation
from app.complaints.categories import EVIDENCE_KINDS
from app.complaints.followup import MESSAGE_MAX
from app.complaints.uploads import limits
from app.forms import PortalForm

CODE_INPUT = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
REFERENCE_ERRORS = {
    "checksum": _l("投诉编号有误，请检查是否输错了某一位"),
    "format": _l("投诉编号格式应为 TS-XXXX-XXXX-XXXX-XXX"),
}


def reference_hint(text, error):
    """Say what is wrong with a reference that does not read (InvalidReference `error`), as helpfully as we can."""
    if error.reason == "format" and "U" in (text or "").upper():
        return _l("投诉编号里不会出现字母 U，可能是 V，请再核对一下。")
    return REFERENCE_ERRORS[error.reason]


class LookupForm(PortalForm):
    reference = StringField(_l("投诉编号"), render_kw=CODE_INPUT,
                            description=_l("例如 TS-7K3M-9QXA-4HRT-C2V，不区分大小写，空格和短横线可省略。"),
                            validators=[DataRequired(message=_l("请填写投诉编号。"))])
    access_code = StringField(_l("查询码"), render_kw=CODE_INPUT,
                              description=_l("提交投诉时页面上显示的 10 位查询码，例如 7K3M9-QXA4H。"),
                              validators=[DataRequired(message=_l("请填写查询码。"))])

    def validate_reference(self, field):
        try:
            field.data = refs.normalize_reference(field.data)
        except refs.InvalidReference as exc:
            raise ValidationError(reference_hint(field.data, exc)) from None

    def validate_access_code(self, field):
        try:
            field.data = refs.normalize_access_code(field.data)
        except refs.InvalidAccessCode:
            raise ValidationError(_l("查询码是 10 位字母和数字，例如 7K3M9-QXA4H。")) from None


class MessageForm(PortalForm):
    body = TextAreaField(_l("补充说明"), validators=[Length(max=MESSAGE_MAX)],
                         description=_l("回答客服的问题，或补充新的情况。请勿填写卡密、密码或验证码。"))
    evidence_kind = SelectField(_l("这些文件是"), choices=EVIDENCE_KINDS, default="other", validators=[Optional()])
    files = MultipleFileField(_l("上传证据（可多选）"), description=LazyString(lambda: _(
        "每件投诉最多 %(files)d 个文件，每个不超过 %(mb)s MB，支持 JPG、PNG、WebP 和 PDF。图片的拍摄位置等信息会被自动去除。",
        **limits())))

    def uploads(self):
        """Return the files actually chosen (browsers send an empty part when none is)."""
        return [f for f in self.files.data or () if f and f.filename]

    def validate_body(self, field):
        field.data = (field.data or "").strip()
        if not field.data and not self.uploads():
            raise ValidationError(_l("请填写补充说明或上传文件。"))


class WithdrawForm(PortalForm):
    withdraw_reason = TextAreaField(_l("撤回原因"), validators=[
        DataRequired(message=_l("请写一下撤回的原因，例如“问题已经自行解决”。")), Length(max=1000)])


class RateForm(PortalForm):
    score = RadioField(_l("你对处理结果的满意程度"), coerce=int,
                       choices=[(5, _l("5 分：非常满意")), (4, _l("4 分：满意")), (3, _l("3 分：一般")),
                                (2, _l("2 分：不满意")), (1, _l("1 分：非常不满意"))],
                       validators=[InputRequired(message=_l("请选择 1 到 5 分。"))])
    comment = TextAreaField(_l("还想说的（可选）"), validators=[Optional(), Length(max=1000)])


class ReopenForm(PortalForm):
    reopen_reason = TextAreaField(_l("还有什么问题没有解决？"), validators=[
        DataRequired(message=_l("请说明还有什么问题没有解决。")), Length(max=1000)])


class LostForm(PortalForm):
    contact = StringField(_l("提交投诉时留下的邮箱或手机号"),
                          validators=[DataRequired(message=_l("请填写邮箱或手机号。"))])

    def validate_contact(self, field):
        if "@" not in field.data and not re.search(r"\d", field.data):
            raise ValidationError(_l("请填写提交投诉时留下的邮箱或手机号。"))
        cleaner = validation.clean_email if "@" in field.data else validation.clean_phone
        try:
            field.data = cleaner(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc.args[0])) from None


class ConfirmForgetForm(PortalForm):
    """"在此设备上退出查看": only the CSRF token."""
