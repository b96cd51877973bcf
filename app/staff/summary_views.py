"""The case page's publishing panel: draft, edit, approve, publish or withdraw an anonymised case summary."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.i18n import join_list
from app.staff.blueprint import bp
from app.staff.case_views import complaint_or_404
from app.staff.forms import ConfirmForm
from app.transparency import publishing

REFUSED = {
    "not_publishable": _l("只有已解决或未予支持、且投诉人同意公示的投诉可以写公示摘要。"),
    "exists": _l("这件投诉已经有公示摘要了。"),
    "not_editable": _l("已发布或已撤下的摘要不能再修改。"),
    "bad_text": _l("摘要不能为空，最多 2000 字。"),
    "wrong_state": _l("摘要当前的状态不能进行这一步。"),
    "supervisor_only": _l("审核需要主管权限。"),
    "second_person": _l("审核必须由起草人以外的另一位主管完成。"),
    "personal_data": _l("摘要里还有个人信息，不能审核或发布。请先删除下面标出的内容。"),
}
DONE = {"draft": _l("已生成匿名摘要草稿，请检查后修改。"), "save": _l("摘要已保存，需要重新审核。"),
        "approve": _l("摘要已审核通过，可以发布。"), "publish": _l("摘要已发布到公示页。"), "withdraw": _l("摘要已撤下。")}


@bp.post("/complaints/<reference>/summary")
def summary_step(reference):
    """One publishing step on the complaint's case summary."""
    complaint = complaint_or_404(reference)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = request.form.get("step", "")
    summary = publishing.summary_for(complaint)
    if step not in DONE or (step != "draft" and summary is None):
        abort(400)
    try:
        if step == "draft":
            publishing.draft(complaint, current_user)
        elif step == "save":
            publishing.edit(summary, current_user, request.form.get("text", ""))
        else:
            publishing.advance(summary, current_user, step)
    except publishing.PublishRefused as exc:
        kinds = join_list(sorted({finding.type for finding in exc.found}))
        flash(f"{REFUSED[exc.reason]}{'（' + kinds + '）' if kinds else ''}", "error")
    else:
        flash(DONE[step], "success")
    return redirect(url_for("staff.case", reference=complaint.reference, _anchor="summary"))
