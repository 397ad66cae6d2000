"""
Chinese for the refusal sentences until the catalogue has them.

The sentences of contacts/refusals.py and the dossier's attempt and message lines are new
messages: the catalogue (locale/, kept by whoever translates) gets them after this work is
merged, and these are the texts proposed for it. Until then the tests that read a
refusal in Chinese supply them for the
msgids the compiled catalogue lacks, and only those: a translation the catalogue has
always wins, so once it has them all the fixture changes nothing and can go. Keyed by the
exact msgid, so a sentence changed in the code without its text here still reads English
in Chinese, and fails the "no English" checks.
"""

import pytest

PENDING = {
    # contacts/refusals.py, contacts/engine/rules.py
    "between the items of a list\x04, ": "、",
    "%(label)s.": "%(label)s。",
    "The field visit was cancelled": "外访已取消",
    "Allowed.": "允许。",
    "Allowed again from %(when)s.": "自 %(when)s 起再次允许联系。",
    "Not allowed until the reasons above are resolved.": "上述原因解决之前不允许联系。",
    # contacts/models.py, contacts/admin.py
    "Refused: %(reasons)s": "已拦截：%(reasons)s",
    "(override by %(username)s: %(reason)s)": "（%(username)s 特批放行：%(reason)s）",
    "refusal parameters": "拦截参数",
    "Each reason of a refusal with the facts behind it (counts, limits, local times).": (
        "拦截的每条原因及其依据的事实（次数、上限、当地时间）。"
    ),
    "suppression parameters": "未发送参数",
    "Each reason the message was dropped for, with the facts behind it.": "消息未发送的每条原因及其依据的事实。",
    "why it was refused": "拦截原因",
    "as shown at the time": "当时显示的内容",
    "suppressed because": "未发送原因",
    # compliance/dossier/timeline.py
    "%(direction)s %(channel)s to %(point)s": "%(direction)s%(channel)s，至 %(point)s",
    "%(direction)s %(channel)s": "%(direction)s%(channel)s",
    "no outcome": "无结果",
    "reached: %(party)s": "联系到：%(party)s",
    "REFUSED: %(reasons)s": "已拦截：%(reasons)s",
    "Judged under %(profile)s.": "依据 %(profile)s 判定。",
    "As shown at the time: %(words)s": "当时显示：%(words)s",
    "Note: %(note)s": "备注：%(note)s",
    "Override by %(username)s: %(reason)s": "%(username)s 特批放行：%(reason)s",
    "%(state)s: %(reasons)s": "%(state)s：%(reasons)s",
    "%(purpose)s · %(channel)s": "%(purpose)s · %(channel)s",
}


@pytest.fixture
def pending_translations(monkeypatch):
    """The texts above, for the msgids the compiled Chinese catalogue does not hold yet
    (imported by the conftest module of tests/contacts)."""
    from django.utils.translation import trans_real

    chinese = trans_real.translation("zh-hans")
    catalogued = chinese.gettext

    def gettext(message):
        found = catalogued(message)
        return PENDING.get(message, found) if found == message else found

    monkeypatch.setattr(chinese, "gettext", gettext)
