"""Console forms. Every case action form carries the version the agent saw, as a hidden input named `version`."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, HiddenField, IntegerField, PasswordField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.accounts.models import Role
from app.accounts.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from app.complaints import validation
from app.complaints.casework import OUTCOME_LABELS, OUTCOMES, PRIORITIES
from app.complaints.categories import CATEGORIES
from app.forms import PortalForm

BODY_MAX = validation.DESCRIPTION_MAX
PRIORITY_LABELS = {"normal": _l("普通"), "high": _l("高"), "urgent": _l("紧急")}
ROLE_LABELS = {Role.AGENT: _l("客服"), Role.SUPERVISOR: _l("主管"), Role.ADMIN: _l("管理员")}
CODE_INPUT = {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}


class LoginForm(PortalForm):
    email = StringField(_l("工作邮箱"), validators=[DataRequired(message=_l("请填写邮箱。")), Length(max=254)],
                        render_kw={"autocomplete": "username", "type": "email"})
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请填写密码。")),
                                                   Length(max=PASSWORD_MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class TotpForm(PortalForm):
    code = StringField(_l("验证器上的 6 位数字"), render_kw=CODE_INPUT,
                       validators=[DataRequired(message=_l("请填写 6 位验证码。")), Length(max=12)])


class _ActionForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
    action = HiddenField(validators=[InputRequired()])

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError(_l("页面已过期，请刷新后再操作。"))

    def fields(self):
        """The action's own fields, cleaned, for casework.perform."""
        return {name: field.data for name, field in self._fields.items()
                if name not in ("version", "action", "csrf_token")}


def _body(label, required=True):
    checks = [DataRequired(message=_l("请填写内容。"))] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, Length(max=BODY_MAX, message=_l("最多 %(max)d 个字。",
                                                                                       max=BODY_MAX))])


class TakeForm(_ActionForm):
    pass


class ReopenForm(_ActionForm):
    body = _body(_l("重新打开的原因（用户可见）"), required=False)


class AssignForm(_ActionForm):
    assignee = SelectField(_l("分配给"), validate_choice=False, validators=[DataRequired(message=_l("请选择客服。"))])


class NoteForm(_ActionForm):
    body = _body(_l("内部备注（只有客服能看到）"))


class ReplyForm(_ActionForm):
    body = _body(_l("回复用户"))


class RequestInfoForm(_ActionForm):
    body = _body(_l("需要用户补充什么"))


class ResolveForm(_ActionForm):
    outcome = RadioField(_l("处理结果"), choices=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
                         validators=[InputRequired(message=_l("请选择处理结果。"))])
    amount = StringField(_l("金额（元）"), validators=[Optional()],
                         description=_l("退款时填写；部分退款必须填写。"))
    body = _body(_l("给用户的说明"))

    def validate_amount(self, field):
        if field.data:
            try:
                field.data = validation.clean_amount(field.data)
            except ValueError as exc:
                raise ValidationError(exc.args[0]) from None
        elif self.outcome.data == "partial_refund":
            raise ValidationError(_l("部分退款请填写金额。"))

    def fields(self):
        cleaned = super().fields()
        cleaned["amount_cents"] = cleaned.pop("amount") or None
        return cleaned


class RejectForm(_ActionForm):
    body = _body(_l("不予支持的理由（用户可见）"))


class DuplicateForm(_ActionForm):
    of = StringField(_l("合并到投诉编号"), validators=[DataRequired(message=_l("请填写另一件投诉的编号。")),
                                                   Length(max=64)])
    body = _body(_l("告诉用户（可选）"), required=False)


class SetCategoryForm(_ActionForm):
    category = SelectField(_l("问题类型"), choices=[(c.id, c.name) for c in CATEGORIES.values()])
    reason = StringField(_l("原因"), validators=[DataRequired(message=_l("请写明原因。")), Length(max=200)])


class SetPriorityForm(_ActionForm):
    priority = SelectField(_l("优先级"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES])
    reason = StringField(_l("原因"), validators=[DataRequired(message=_l("请写明原因。")), Length(max=200)])


ACTION_FORMS = {"take": TakeForm, "assign": AssignForm, "note": NoteForm, "reply": ReplyForm,
                "request_info": RequestInfoForm, "resolve": ResolveForm, "reject": RejectForm, "reopen": ReopenForm,
                "duplicate": DuplicateForm, "set_category": SetCategoryForm, "set_priority": SetPriorityForm}


class BulkForm(PortalForm):
    selected = HiddenField()  # filled from the checkboxes named `selected`, read with getlist
    bulk_action = SelectField(_l("批量操作"), choices=[("assign", _l("分配给")), ("set_priority", _l("设为优先级")),
                                                      ("duplicate", _l("合并到"))])
    assignee = SelectField(_l("客服"), validate_choice=False, validators=[Optional()])
    priority = SelectField(_l("优先级"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES],
                           validators=[Optional()])
    of = StringField(_l("投诉编号"), validators=[Optional(), Length(max=64)])


class ConfirmForm(PortalForm):
    """A button that changes something: only the CSRF token."""


class PreferencesForm(PortalForm):
    notify_by_email = BooleanField(_l("提醒同时发到我的邮箱"))


class AccountForm(PortalForm):
    email = StringField(_l("工作邮箱"), validators=[DataRequired(), Email(message=_l("邮箱格式不正确。")),
                                                Length(max=254)])
    display_name = StringField(_l("对用户显示的名字"), validators=[DataRequired(), Length(max=40)],
                               description=_l("例如“客服阿杰”。用户只看到这个名字，看不到邮箱。"))
    role = SelectField(_l("角色"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    password = PasswordField(_l("初始密码"), render_kw={"autocomplete": "new-password"},
                             validators=[DataRequired(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
                                                                message=_l("密码至少 %(min)d 个字符。",
                                                                           min=PASSWORD_MIN_LENGTH))])


class AccountUpdateForm(PortalForm):
    role = SelectField(_l("角色"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    active = BooleanField(_l("账号可用"))
    totp_required = BooleanField(_l("要求两步验证"))
    reset_totp = BooleanField(_l("重置两步验证（换手机时）"))


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False

    staff = SelectField(_l("客服"), validate_choice=False, validators=[Optional()])
    reference = StringField(_l("投诉编号"), validators=[Optional(), Length(max=64)])
    kind = SelectField(_l("类型"), validate_choice=False, validators=[Optional()])
    page = IntegerField(validators=[Optional()])
