"""
Chinese for the case-event sentences until the catalogue has them.

The sentences of cases/event_text.py and cases/guard_text.py are new messages: the
catalogue (locale/, kept by whoever translates) gets them after this work is merged. Until
then the tests that read an event in Chinese supply these texts for the msgids the compiled
catalogue lacks, and only those: a translation the catalogue has always wins, so once it
has them all this fixture changes nothing and can go. Keyed by the exact msgid (plural
forms by (msgid, 0), Chinese having one form), so a sentence changed in the code without
its translation here still shows up in English and fails the "no English" checks.
"""

from contextlib import contextmanager

from django.utils.translation import trans_real

PENDING = {
    # cases/event_text.py
    ("Case opened: %(days_past_due)s day past due.", 0): "开案：逾期 %(days_past_due)s 天。",
    "Opened by the nightly cycle: the account is overdue.": "由夜间批处理开案：账户已逾期。",
    "Assigned from %(previous)s to %(collector)s.": "由 %(previous)s 改派给 %(collector)s。",
    "Written notice sent (%(sent_at)s).": "书面通知已发出（%(sent_at)s）。",
    "Payment of %(amount)s (reference %(reference)s); %(outstanding)s outstanding now.": (
        "收到还款 %(amount)s（流水号 %(reference)s）；现未还金额 %(outstanding)s。"
    ),
    "Promise to pay %(amount)s by %(due_date)s.": "承诺于 %(due_date)s 前还款 %(amount)s。",
    ("Repayment plan agreed: %(count)s instalment, %(total)s in all.", 0): (
        "已约定还款计划：共 %(count)s 期，合计 %(total)s。"
    ),
    (
        "Repayment plan proposed: %(count)s instalment, %(total)s in all; awaiting a supervisor's approval.",
        0,
    ): "已提议还款计划：共 %(count)s 期，合计 %(total)s；待主管批准。",
    "Repayment plan %(plan)s approved.": "还款计划 %(plan)s 已批准。",
    "A promise or plan was broken.": "承诺还款或还款计划已违约。",
    "Hold placed: %(kind)s.": "已停催：%(kind)s。",
    "Hold released: %(kind)s.": "已解除停催：%(kind)s。",
    "Hold ended on its end date: %(kind)s.": "停催到期结束：%(kind)s。",
    "Escalated by the nightly cycle.": "由夜间批处理升级。",
    "Resolved by the nightly cycle: the balance is paid.": "由夜间批处理结案：欠款已还清。",
    "The hold ended on its end date.": "停催已到期结束。",
    "Promise to pay recorded by %(username)s.": "%(username)s 记录了承诺还款。",
    "Repayment plan agreed by %(username)s.": "%(username)s 约定了还款计划。",
    "Repayment plan approved by %(username)s.": "%(username)s 批准了还款计划。",
    "Hold placed by %(username)s: %(kind)s.": "%(username)s 设置了停催：%(kind)s。",
    "Hold released by %(username)s: %(kind)s.": "%(username)s 解除了停催：%(kind)s。",
    "Paid in full by payment %(reference)s.": "已由还款 %(reference)s 全额还清。",
    "Arrangement fulfilled by payment %(reference)s.": "还款安排已由还款 %(reference)s 履行完毕。",
    "Field visit %(visit)s approved by %(username)s.": "外访 %(visit)s 已由 %(username)s 批准。",
    "Field visit %(visit)s requested.": "已申请外访 %(visit)s。",
    "Field visit %(visit)s requested as a documented exception (flagged for compliance).": (
        "已作为书面例外申请外访 %(visit)s（已标记供合规审查）。"
    ),
    "Field visit %(visit)s approved.": "外访 %(visit)s 已批准。",
    "Field visit %(visit)s rejected.": "外访 %(visit)s 已拒绝。",
    "Field visit %(visit)s: notice queued (%(channels)s).": "外访 %(visit)s：通知已排队待发（%(channels)s）。",
    "Field visit %(visit)s: notice sent (%(channel)s).": "外访 %(visit)s：通知已发出（%(channel)s）。",
    "Field visit %(visit)s: the agent checked in.": "外访 %(visit)s：外访员已签到。",
    "Field visit %(visit)s: report filed.": "外访 %(visit)s：已提交报告。",
    "Field visit %(visit)s aborted.": "外访 %(visit)s 已中止。",
    "Field visit %(visit)s called off.": "外访 %(visit)s 已取消。",
    "Field visit %(visit)s called off: the notice left too late for the announced window.": (
        "外访 %(visit)s 已取消：通知发出太晚，赶不上已告知的时段。"
    ),
    "Field visit %(visit)s called off: the case is %(state)s.": "外访 %(visit)s 已取消：案件%(state)s。",
    "Agreed on field visit %(visit)s.": "在外访 %(visit)s 中约定。",
    "nobody": "无人",
    # cases/guard_text.py
    "Days past due for reminders": "提醒所需逾期天数",
    "Days past due for phone calls": "电话催收所需逾期天数",
    "Days past due for a written notice": "书面通知所需逾期天数",
    "Days past due for a field visit": "外访所需逾期天数",
    "Days past due for legal referral": "移交法务所需逾期天数",
    "Balance for a field visit": "外访所需未还金额",
    "Remote contact failed": "远程联系失败",
    "Written notice sent": "已发书面通知",
    "Notice lead time before a field visit": "外访前的通知期",
    "Approved field visit": "获批的外访",
    "Promise or plan running": "承诺还款或还款计划执行中",
    "No promise or plan running": "无执行中的承诺还款或还款计划",
    "Hold active": "停催生效中",
    "No hold active": "无生效中的停催",
    "Balance cleared": "欠款已还清",
    "Outstanding %(outstanding)s; a field visit needs at least %(minimum)s (%(label)s).": (
        "未还金额 %(outstanding)s；外访至少需要 %(minimum)s（%(label)s）。"
    ),
    "%(failed_attempts)s failed remote attempts over %(channels)s channels; every contact point invalid: %(value)s.": (
        "通过 %(channels)s 个渠道远程联系失败 %(failed_attempts)s 次；所有联系方式均无效：%(value)s。"
    ),
    "Outstanding %(outstanding)s.": "未还金额 %(outstanding)s。",
    "Written notice sent (%(localtime)s).": "书面通知已发出（%(localtime)s）。",
    "As recorded at the time: %(explanation)s": "当时记录：%(explanation)s",
    "one sentence after another\x04%(sentence)s %(following)s": "%(sentence)s%(following)s",
    "a rule checked, then what it found\x04%(rule)s: %(finding)s": "%(rule)s：%(finding)s",
    "a state change, then why\x04%(move)s. %(why)s": "%(move)s。%(why)s",
    # compliance/dossier/timeline.py, cases/admin/case.py, visits/models.py
    "Policy profile %(label)s.": "政策配置 %(label)s。",
    "Field visit (%(state)s)": "外访（%(state)s）",
    "Report missing: %(items)s.": "报告缺少：%(items)s。",
    "rules checked": "已检查的规则",
    "identity verified (and how)": "身份核验（及方式）",
    "willingness to pay": "还款意愿",
    "ability to pay": "还款能力",
    "next steps explained": "已说明后续步骤",
    "conduct attestation": "行为规范声明",
}


@contextmanager
def chinese_until_catalogued():
    """The texts above, for the msgids the compiled Chinese catalogue does not have yet
    (the ``pending_chinese`` fixture, tests/conftest.py)."""
    catalog = trans_real.translation("zh-hans")._catalog
    added = [key for key in PENDING if key not in catalog]
    for key in added:
        catalog[key] = PENDING[key]
    try:
        yield
    finally:
        for key in added:
            catalog._catalogs[0].pop(key, None)
