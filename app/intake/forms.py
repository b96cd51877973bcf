"""Forms of the complaint journey. Detail fields are built per category from categories.py."""
from flask import current_app
from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from app.complaints import validation
from app.complaints.uploads import limits
from app.complaints.categories import CATEGORIES, DETAIL_FIELDS, EVIDENCE_KINDS
from app.forms import PortalForm


def _checked(cleaner, *args):
    """Turn a validation.clean_* function into a WTForms validator."""
    def check(form, field):
        if field.data not in (None, ""):
            try:
                cleaner(field.data, *args)
            except ValueError as exc:
                raise ValidationError(str(exc.args[0])) from None
    return check


class DescribeForm(PortalForm):
    category = RadioField(_l("遇到了什么问题？"), validate_choice=False,
                          choices=[(c.id, c.name) for c in CATEGORIES.values()])
    description = TextAreaField(_l("请描述发生了什么"), validators=[DataRequired(message=_l("请描述发生了什么。"))],
                                description=_l(
        "写清楚：什么时候、买了什么、出现了什么问题、你希望怎么处理。请勿填写卡密、密码或验证码。"))

    def validate_category(self, field):
        if field.data not in CATEGORIES:
            raise ValidationError(_l("请选择问题类型。"))

    def validate_description(self, field):
        try:
            validation.clean_description(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc.args[0])) from None


def details_form_class(category_id, now):
    """Build the details form for one category: required and optional fields, plus evidence upload."""
    category = CATEGORIES[category_id]

    class DetailsForm(PortalForm):
        evidence_kind = SelectField(_l("这些文件是"), choices=EVIDENCE_KINDS, validators=[Optional()])
        files = MultipleFileField(_l("上传证据（可多选）"), description=LazyString(lambda: _(
            "最多 %(files)d 个文件，每个不超过 %(mb)s MB，支持 JPG、PNG、WebP 和 PDF。图片的拍摄位置等信息会被自动去除。",
            **limits())))

    for field_id in category.required + category.optional:
        setattr(DetailsForm, field_id, _detail_field(DETAIL_FIELDS[field_id], field_id in category.required, now))
    return DetailsForm


def _detail_field(spec, required, now):
    validators = [DataRequired(message=_l("请填写%(label)s。", label=spec.label)) if required else Optional()]
    if spec.kind == "choice":
        return SelectField(spec.label, choices=[("", _l("请选择"))] + list(spec.choices), description=spec.hint,
                           validators=validators, validate_choice=False)
    cleaner = {"order_number": (validation.clean_order_number,), "datetime": (validation.clean_datetime, now),
               "amount": (validation.clean_amount,)}.get(spec.kind, (validation.clean_text,))
    return StringField(spec.label, description=spec.hint, validators=[*validators, _checked(*cleaner)])


class ContactForm(PortalForm):
    contact_email = EmailField(_l("邮箱"), description=_l("处理进度和回复会发到这里。"))
    contact_phone = TelField(_l("手机号"), description=_l("11 位中国大陆手机号，可带 +86。"))
    notify_via = RadioField(_l("通过什么方式通知你？"), choices=list(validation.NOTIFY_CHANNEL_NAMES.items()),
                            default="email", validate_choice=False)
    consent_privacy = BooleanField(_l("我已阅读并同意隐私说明：投诉信息仅用于处理本投诉。"),
                                   validators=[DataRequired(message=_l("需要同意隐私说明才能提交投诉。"))])
    consent_publish = BooleanField(_l("（可选）同意在处理结束后匿名公示本案的处理摘要，不含任何个人信息。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only what this deployment can deliver (config NOTIFY_CHANNELS): no SMS without a gateway.
        offered = current_app.config["NOTIFY_CHANNELS"]
        self.notify_via.choices = [(key, label) for key, label in self.notify_via.choices if key in offered]

    @property
    def single_channel(self):
        """Tell whether only one channel is offered, so the form states it instead of asking."""
        return len(self.notify_via.choices) == 1

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        _, errors = validation.clean_contact(self.contact_email.data, self.contact_phone.data, self.notify_via.data)
        for name, message in errors.items():
            # With one channel there is no choice to show the error on: it belongs to the missing address.
            if name == "notify_via" and self.single_channel:
                name = "contact_email" if self.notify_via.choices[0][0] == "email" else "contact_phone"
            getattr(self, name).errors = [*getattr(self, name).errors, str(message)]
        return valid and not errors


class ConfirmForm(PortalForm):
    """The final submit: only the CSRF token, so a forged cross-site submit fails."""


class DeflectForm(PortalForm):
    article = StringField(validators=[Optional()])
