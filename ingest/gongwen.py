"""The parts of an official document (公文, GB/T 9704) found in its text: issuing authority (发文机关),
document number (发文字号), title, main recipients (主送机关), date of issue (成文日期) and kind (文种).

GB/T 9704 fixes where each part stands: the 版头 (marks, the issuer's 发文机关标志 "中共XX委员会文件", the
number "X发〔2024〕3号", perhaps with 签发人), then the title ("XX关于……的通知", one to three lines), the
主送 line ending in "：", the body, and at the end the issuer's signature over the 成文日期, then the 版记
(抄送, 印发). Speeches and reports put a delivery line under the title ("——2024年3月5日在……会议上") and
name the body they speak for ("我代表国务院，向大会报告工作"). Each part is looked for only where the
standard puts it, so a number or a date that the running text cites is never taken for the document's own.
No maintained library recognises these parts, hence this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.dates import date_line, find_dates
from ingest.marks import mark_line
from ingest.normalize import clean_line, fold_characters
from ingest.types import GongwenInfo

HEAD_LINES = 16  # the 版头 and the title fit well within these
TAIL_LINES = 16  # the signature, 成文日期, 附注 and 版记
MAX_TITLE_LINE = 50
MAX_TITLE = 120
MAX_TITLE_LINES = 4
MAX_RECIPIENTS = 300

# 文种: the title's last words name the kind. Longer words first, so 会议纪要 is read before 纪要.
_KIND_WORDS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "决议": "决议", "决定": "决定", "命令": "命令", "公报": "公报", "公告": "公告", "通告": "通告",
            "意见": "意见", "通知": "通知", "通报": "通报", "报告": "报告", "请示": "请示", "批复": "批复",
            "议案": "议案", "函": "函", "复函": "函", "纪要": "纪要", "会议纪要": "纪要",
            "讲话": "讲话", "讲话稿": "讲话", "讲稿": "讲话", "发言": "发言", "致辞": "致辞", "致词": "致辞",
            "批示": "批示", "指示": "指示", "方案": "方案", "规定": "规定", "办法": "办法", "条例": "条例",
            "规则": "规则", "细则": "细则", "准则": "准则", "章程": "章程", "规划": "规划", "计划": "计划",
            "纲要": "纲要", "要点": "要点", "总结": "总结", "答复": "答复", "贺信": "贺信",
        }.items(),
        key=lambda item: -len(item[0]),
    )
)
KINDS: tuple[str, ...] = tuple(dict.fromkeys(kind for _, kind in _KIND_WORDS))
_ORDER_SUFFIX = re.compile(r"(?:院|部|局|委|署|席|府|厅)令$")  # 国务院令, 财政部令: a 命令
_TITLE_TAIL = re.compile(
    r"[（(](?:试行|暂行|草案|修订|修订草案|修正|征求意见稿|送审稿|讨论稿|代拟稿|节选|摘要|全文)[）)]$"
)

_ORG_SUFFIX = (
    "委员会", "人民政府", "政府", "办公厅", "办公室", "常委会", "中央", "党委", "党组", "党工委", "工委", "纪委",
    "监委", "委", "部", "局", "厅", "院", "署", "办", "会议", "会", "处", "科", "所", "中心", "集团", "公司",
    "大学", "学院", "学校", "支部", "总支", "政协", "街道", "镇", "乡", "村", "社区", "队", "站", "社", "联",
)
_SHORT_ORGS = frozenset({"中共中央", "国务院", "党中央", "中央", "全国人大", "全国政协", "中央军委"})
_ORG = re.compile(rf"^[\u4e00-\u9fff（）()]{{2,40}}?(?:{'|'.join(_ORG_SUFFIX)})$")
_ORG_SPLIT = re.compile(r"[\s、，,]+")
_ORG_AND = re.compile(r"[和及与]")

_OPEN = "〔［[(（【"
_CLOSE = "〕］])）】"
_NUMBER = (
    rf"(?P<prefix>[\u4e00-\u9fffA-Za-z]{{1,16}}?)\s*[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    rf"[{re.escape(_CLOSE)}]\s*(?:第\s*)?(?P<seq>\d{{1,5}})\s*号"
)
_SIGNER = r"签\s*发\s*人\s*[:：]\s*[\u4e00-\u9fff·]{2,5}(?:[、，,\s]+[\u4e00-\u9fff·]{2,5})*"
_SIGNER_FIRST = r"签\s*发\s*人\s*[:：]\s*[\u4e00-\u9fff·]{2,5}(?:[、，,][\u4e00-\u9fff·]{2,5})*\s+"
_NUMBER_LINE = re.compile(rf"^(?:{_SIGNER_FIRST})?{_NUMBER}(?:\s*{_SIGNER})?$")
_ORDER_NUMBER_LINE = re.compile(r"^第\s*(?P<seq>\d{1,6})\s*号$")  # under 中华人民共和国国务院令

_SALUTATION = re.compile(r"们|^各位|^尊敬的")  # 同志们：, 各位代表： address people, not organs
_RECIPIENT_WORD = re.compile(r"^各|委|政府|部|局|厅|办|院|会|组|单位|机关|支部|公司|学校|中心|室|处|所|站|队|社|联")
_RECIPIENT_SPLIT = re.compile(r"[、，,；;]+")
_DELEGATION = re.compile(
    r"我(?:现在)?(?:代表|受|根据)(?P<org>[^，,。；;：:\s]{2,40}?)(?:的)?(?:委托|决定)?[，,]?\s*(?:现在)?(?:向|作|提出|报告)"
)
# A resolution opens with the body that adopted it: "第十四届全国人民代表大会第三次会议听取和审议了……"
_RESOLUTION_OPENING = re.compile(
    r"^(?P<org>[\u4e00-\u9fff]{4,40}?(?:会议|大会|委员会))(?:听取和审议了|听取并审议了|审议了|审议通过了|认真审议了|听取了)"
)
_PLACE_IN_TITLE = re.compile(r"^(?:\d{4}年)?(?P<place>[\u4e00-\u9fff]{2,12}?(?:省|市|自治区|自治州|州|盟|县|区|旗))")
_PLACE_IN_DELIVERY = re.compile(r"在(?P<place>[\u4e00-\u9fff]{2,12}?(?:省|市|自治区|自治州|州|盟|县|区|旗))\s*第")
_BARE_GOVERNMENTS = frozenset({"省政府", "市政府", "县政府", "区政府", "州政府", "自治区政府", "自治州政府"})
_LEVELS = ("自治区", "自治州", "省", "市", "州", "盟", "县", "区", "旗")
_ADOPTION = re.compile(r"^[（(]\s*(?:\S+?日)\s*(?P<org>[^，,。；;）)]{4,60}?)\s*(?:通过|批准)[）)]?$")
_ISSUE_LINE = re.compile(
    r"^(?P<org>.*?)\s*(?P<date>(?:19|20)\d{2}\s*年.*?日|[〇零○一二三四五六七八九]{4}年.*?日)\s*印\s*发$"
)
_BACK_MATTER = re.compile(r"^(?:抄\s*送|抄\s*报|主\s*送|分\s*送|发\s*送|印\s*发)[:：]|印\s*发$|^[（(].*[）)]$|^附\s*件")
_SPEECH_SUBTITLE = re.compile(r"^[—―-]{1,2}\s*\S*在.+(?:讲话|报告|发言|致辞|演讲|讲课|党课|辅导)$")
_FIELD_LINE = re.compile(r"^[^：:，,。]{1,6}[：:]")  # 来源：人民日报, 作者：…
_CONTINUATION = re.compile(r"^[。，、；：！？）》」』”’,.;:!?)]")
_PERSON_LINE = re.compile(r"^[\u4e00-\u9fff](?:\s[\u4e00-\u9fff]){1,3}$")  # 习 近 平: a speaker's spaced name


def recognise(text: str, *, title: str | None = None) -> GongwenInfo | None:
    """The 公文 parts of a document's display text (`title` is what the reader found, if anything);
    None when nothing in it has the form of an official document."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    head = _Head(lines[:HEAD_LINES])
    tail_issuers, tail_date, issue_date = _signature(lines[max(head.body, 1) :][-TAIL_LINES:])
    found_title = head.title or (_clean_title(title) if title and kind_of(_clean_title(title)) else None)
    delegated = _delegated_issuers(lines[:HEAD_LINES], found_title)
    opening = _RESOLUTION_OPENING.match(lines[head.body] if head.body < len(lines) else "")
    adopted = head.adopted_by or ((opening.group("org"),) if opening else ())
    issuers = head.issuers or tail_issuers or _title_issuers(found_title) or delegated or adopted
    structural = bool(
        head.issuers or head.number or head.recipients or tail_issuers or delegated or adopted
        or (found_title and _formal_title(found_title))
    )
    if not structural:
        return None
    return GongwenInfo(
        issuers=issuers,
        number=head.number,
        title=found_title,
        recipients=head.recipients,
        date=tail_date or head.date or issue_date,
        kind=kind_of(found_title) if found_title else None,
    )


def kind_of(title: str) -> str | None:
    """The 文种 named by a title's last words (通知, 意见, 讲话 …), or None."""
    core = _TITLE_TAIL.sub("", fold_characters(title).strip().strip("《》").rstrip("。 ")).rstrip()
    if _ORDER_SUFFIX.search(core):
        return "命令"
    return next((kind for word, kind in _KIND_WORDS if core.endswith(word)), None)


def document_number(line: str) -> str | None:
    """The 发文字号 on a line that holds nothing else (but a 签发人), in the standard's form 中发〔2024〕3号."""
    match = _NUMBER_LINE.match(clean_line(line))
    if not match:
        return None
    return f"{match.group('prefix')}〔{match.group('year')}〕{int(match.group('seq'))}号"


def organisations(line: str) -> tuple[str, ...]:
    """The organisation names a line consists of (joint issuers separated by spaces or 、), else ()."""
    parts: list[str] = []
    for part in (p for p in _ORG_SPLIT.split(line.strip()) if p):
        pieces = _ORG_AND.split(part)  # 全国政协和中央军委, 中共中央和国务院
        if len(pieces) > 1 and all(_is_org(piece) for piece in pieces):
            parts.extend(pieces)
        elif _is_org(part):
            parts.append(part)
        else:
            return ()
    return tuple(parts)


def recipients(line: str) -> tuple[str, ...]:
    """The 主送机关 on a line ending in a colon, or () when it is not one (a salutation, a label, a sentence)."""
    line = line.strip()
    if not line.endswith(("：", ":")) or len(line) > MAX_RECIPIENTS or re.search(r"[。；;！？!?]", line):
        return ()
    body = line[:-1].strip()
    if not body or _SALUTATION.search(body) or not _RECIPIENT_WORD.search(body):
        return ()
    if len(body) <= 6 and not body.startswith("各") and not organisations(body):  # 时间：, 主持人： are labels
        return ()
    return tuple(part.strip() for part in _RECIPIENT_SPLIT.split(body) if part.strip())


def _is_org(name: str) -> bool:
    return name in _SHORT_ORGS or (len(name) >= 4 and bool(_ORG.match(name)))


class _Head:
    """The 版头 and title block: marks, issuer's mark, number, title, 主送, delivery or adoption line."""

    def __init__(self, lines: Sequence[str]):
        self.issuers: tuple[str, ...] = ()
        self.number: str | None = None
        self.title: str | None = None
        self.recipients: tuple[str, ...] = ()
        self.date: str | None = None
        self.adopted_by: tuple[str, ...] = ()
        i = self._masthead(lines, self._skip_marks(lines, 0))
        i = self._title_block(lines, i)
        self.body = i  # where the body starts (after the title and an adoption or delivery line)
        while self.body < len(lines) and (date_line(lines[self.body]) or _PERSON_LINE.match(lines[self.body])):
            self.body += 1
        for line in lines[i : i + 4]:
            found = recipients(line)
            if found:
                self.recipients = found
                break
        for line in lines:
            self.date = self.date or date_line(line)
            adoption = _ADOPTION.match(line)
            if adoption and not self.adopted_by:
                self.adopted_by = (adoption.group("org").strip(),)

    @staticmethod
    def _skip_marks(lines: Sequence[str], i: int) -> int:
        while i < len(lines) and mark_line(lines[i]) is not None:
            i += 1
        return i

    def _masthead(self, lines: Sequence[str], i: int) -> int:
        """Read the 发文机关标志 (org lines, ending in 文件 or followed by a number) and the number line."""
        orgs: list[str] = []
        j = i
        marked = False
        while j < len(lines) and j < i + 4:
            line = re.sub(r"\s+", " ", lines[j])
            bare = re.sub(r"\s*文\s*件$", "", line)
            names = organisations(bare) if bare else ()
            if bare != line:  # "……文件": the mark ends here
                orgs.extend(names)
                marked = bool(names) or bool(orgs)
                j += 1
                break
            if _ORDER_SUFFIX.search(line.replace(" ", "")):  # 中华人民共和国国务院令 / 第N号
                order = _ORDER_NUMBER_LINE.match(lines[j + 1]) if j + 1 < len(lines) else None
                if order:
                    self.issuers = (re.sub(r"^中华人民共和国|令$", "", line.replace(" ", "")),)
                    self.number = f"{line.replace(' ', '')}第{int(order.group('seq'))}号"
                    return self._skip_marks(lines, j + 2)
            if not names:
                break
            orgs.extend(names)
            j += 1
        number = document_number(lines[j]) if j < len(lines) else None
        if number and orgs:
            marked = True
        if marked:
            self.issuers = tuple(dict.fromkeys(orgs))
            i = j
        if i < len(lines):
            number = document_number(lines[i])
            if number:
                self.number = number
                i += 1
        return self._skip_marks(lines, i)

    def _title_block(self, lines: Sequence[str], i: int) -> int:
        """Collect the title's lines (and a speech's "——在……上的讲话" subtitle) up to the 主送 line, a date
        line, a speaker's name or the body."""
        start = i
        parts: list[str] = []
        while i < len(lines) and len(parts) < MAX_TITLE_LINES:
            line = lines[i]
            if date_line(line):
                break
            if parts and _SPEECH_SUBTITLE.match(line):
                parts.append("——" + line.lstrip("—―- "))
                i += 1
                break
            if (
                len(line) > MAX_TITLE_LINE
                or re.search(r"[。；;，,：:]$", line)
                or _FIELD_LINE.match(line)
                or (parts and _PERSON_LINE.match(line))
            ):
                break
            parts.append(line)
            i += 1
        if i < len(lines) and _CONTINUATION.match(lines[i]):
            return start  # the lines were a sentence the source broke (at a link), not a title
        title = _clean_title("".join(parts)) if parts else ""
        if title and len(title) <= MAX_TITLE and (kind_of(title) or _formal_title(title)):
            self.title = title
        return i


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().strip("《》")).strip()


def _formal_title(title: str) -> bool:
    """The shapes only official documents and speeches take: 关于……的<文种>, ……在……上的讲话."""
    kind = kind_of(title)
    return bool(kind) and bool(re.search(r"关于.+的|在.+(?:上|时)的|工作报告", title))


def _title_issuers(title: str | None) -> tuple[str, ...]:
    """Issuers named before 关于 in a title: 中共中央 国务院关于……的意见."""
    if not title or "关于" not in title:
        return ()
    return organisations(title.split("关于", 1)[0])


def _delegated_issuers(lines: Sequence[str], title: str | None) -> tuple[str, ...]:
    """The body a report or speech is delivered for ("我代表省人民政府，向大会报告工作"), with the place
    added to a bare 省/市 人民政府 from the title or the delivery line."""
    for line in map(fold_characters, lines):  # a traditional text says 我代表中央委員會
        match = _DELEGATION.search(line)
        if not match:
            continue
        org = match.group("org")
        if org in _BARE_GOVERNMENTS:  # 我代表省政府: the standard name is 省人民政府
            org = org[: -len("政府")] + "人民政府"
        names = organisations(org)
        if names:
            return tuple(_qualified(name, lines, title) for name in names)
    return ()


def _qualified(name: str, lines: Sequence[str], title: str | None) -> str:
    level = next((level for level in _LEVELS if name.startswith(level)), None)
    if level is None:
        return name
    candidates = [m.group("place") for m in map(_PLACE_IN_DELIVERY.search, lines) if m]
    if title:
        in_title = _PLACE_IN_TITLE.match(title)
        if in_title:
            candidates.insert(0, in_title.group("place"))
    place = next((place for place in candidates if place.endswith(level)), None)
    return place + name[len(level):] if place else name


def _signature(lines: Sequence[str]) -> tuple[tuple[str, ...], str | None, str | None]:
    """(issuers signed above the 成文日期, the 成文日期, the 印发 date) from a document's last lines."""
    issue_date = None
    body = list(lines)
    for k, line in enumerate(body):
        issued = _ISSUE_LINE.match(line)
        if issued:
            dates = find_dates(issued.group("date"))
            issue_date = issue_date or (dates[0][1] if dates else None)
        if re.match(r"^(?:抄\s*送|抄\s*报)[:：]", line) or issued:
            body = body[:k]  # the 版记 starts here
            break
    while body and _BACK_MATTER.search(body[-1]) and not date_line(body[-1]):
        body.pop()  # 附注 "（此件公开发布）", 附件 notes
    for k in range(len(body) - 1, max(-1, len(body) - 6), -1):
        line = body[k]
        when = _pure_date(line)
        signed_here: tuple[str, ...] = ()
        glued = False
        if when is None:
            # "中共XX县委 2024年3月15日" on one line, or glued to the last sentence by a PDF's line joining
            # ("……分发工作。中共XX县委办公室2024年3月15日"): organs, then the date, after the last sentence.
            end = _TRAILING_DATE.search(line)
            if end and _pure_date(end.group(0)):
                before = _SENTENCE_END.split(line[: end.start()])
                signed_here = organisations(before[-1])
                glued = len(before) > 1
                when = _pure_date(end.group(0)) if signed_here else None
        if when is None:
            continue
        issuers = list(signed_here)
        for above in [] if glued else reversed(body[max(0, k - 3) : k]):
            names = organisations(above)
            if not names:
                break
            issuers[:0] = names
        return tuple(dict.fromkeys(issuers)), when, issue_date
    return (), None, issue_date


_TRAILING_DATE = re.compile(
    r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇零○一二三四五六七八九]{4}年[十一二三四五六七八九]{1,2}月"
    r"[十一二三四五六七八九]{1,3}日)\s*$"
)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def _pure_date(line: str) -> str | None:
    """The date of a line that is a date and nothing else (a 成文日期)."""
    dates = find_dates(line.strip())
    if len(dates) != 1 or dates[0][2] < 3:
        return None
    stripped = re.sub(r"\s+", "", line)
    return dates[0][1] if re.fullmatch(r"[\d〇零○一二三四五六七八九十年月日号]+", stripped) else None
