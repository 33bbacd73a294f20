"""Publication channels: the media through which the body *publishes*, as the report names them.

Where: the report's opening lines (``本报告的电子版在…网站公布``) and sections 一, 二, 五 and 六.
The text is cut into clauses (between ，；。！？); a line break inside a sentence (a
wrapped line: ``政⏎府网站``) does not cut, and is left out of the clause. The clauses that
hold a channel word go through the spaCy pipeline of ``.nlp`` together, as one Doc with a
line break between clauses (jieba tokens with part-of-speech tags, channel words found by
pattern even where jieba hides or cuts them: ``电视广播``, ``村务公开|栏``; an EntityRuler
labels each channel word with its type; quoted names are spans).

Which mentions count. Outside section 五 a mention counts unless its clause is clearly
not about publishing there: monitoring, inspecting or ranking sites (``对全区政府网站进行
监测``), upkeep of many bodies' sites (``配合做好全区政府网站升级改造``), interaction
(申请, 信箱, 咨询, 留言, 投诉, 热线, 网上调查), a channel word inside a document title
(``《…关于印发<政府网站…办法>的通知》``), or web-page chrome (a bare word standing
between spaces: the ``微信 微博 QQ空间`` share buttons). In section 五, which is mostly
plans, a mention counts only where its clause or the next one publishes there (发布,
公示, 宣传, 公开…信息…) and its sentence does not say it is still to come (将, 拟, 计划).

Names, per schema.md:

* a quoted name right before the channel word (``“焦作城管”微信视频号``, also with
  官方/政务/新浪 between) or around it (``《栎山日报》``), without the marks; a name in
  brackets right after a platform word (``微信公众号（某某发布）``); an unquoted account
  name of three characters or more right before one (``某某发布微信公众号``); a quoted
  programme right after a broadcaster (``某某电视台《政务直通车》栏目``);
* a quoted name that is itself the medium: ``《某某时报》`` (print), ``“某某土地网”``
  (website), ``“某某进社区”等活动`` (onsite, one entry per quoted activity);
* else, except for press conferences, the noun phrase that ends in the channel word:
  the nouns before it, back to the first token that is not a noun (a preposition
  在/通过/以, a verb, a conjunction, a punctuation mark, a number) — ``在|区政府|信息公开
  网站`` → ``区政府信息公开网站``; a bare ``网站``, ``日报`` or ``公报`` has no name;
  press conferences get a phrase only after 在/于;
* a platform word right after a named one and a conjunction shares its name
  (``“平安某某”抖音号和快手号``: both are 平安某某);
* a phrase led by a quantifier (各乡镇…, 全市…) names no single medium: the word;
* platform words with no name (微信公众号, 微博, 抖音, 政务新媒体) → ``None``.

One entry per medium, in order of first mention, under its fullest name (a quoted
name before a phrase, else the longest):

* the body's government portal — ``XX门户网站``, ``XX政府网站``, ``XX官网``, a bare
  ``网站`` or one named by a place or a government (``中国平潭网站``), and the
  信息公开专栏 on it — is one website however often and however fully it is named;
* the public reading places — 查阅场所/查阅点/查阅室, and the archives and libraries
  that house them — are one onsite entry;
* a platform, print or broadcast word with no name of its own (``微信``, ``报刊``,
  ``广播电视``) is the same medium as a named one of its type where there is one;
* ``new_media`` is kept only where no platform is named.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from ..channel_types import CHANNEL_TYPES, types_where
from ..types import Channel, ChannelType, Document, Sections, Span
from .nlp import (CHANNEL_WORDS, HAN_CHAR, MAX_QUOTED, QUOTE_CLOSE, QUOTE_OPEN, channel_pipeline,
                  word_pattern)

# how each type's mentions are named, from the table of channel types
_PLATFORMS = types_where("account")
_GENERIC = frozenset(t.key for t in CHANNEL_TYPES if not t.phrase_names)   # no phrase for a name
_QUOTED_NAMES = types_where("quoted_names")
# types whose unnamed word is the category that a named medium of the type belongs to
_CATEGORY_TYPES = types_where("category")
_UNNAMED_WORDS = {t.key: frozenset(t.unnamed_words) for t in CHANNEL_TYPES}   # bare, they name nothing
_COLUMNS = frozenset({"信息公开专栏", "信息公开平台", "政务公开专栏"})
_PORTAL_WORDS = frozenset({"门户网站", "门户网", "政府网站", "人民政府网站", "人民政府网", "政务网", "官网", "官方网站"})
_READING_WORDS = frozenset({"查阅场所", "查阅点", "查阅室", "阅览室", "档案馆", "图书馆"})
_QUALIFIERS = frozenset({"官方", "政务", "新浪", "微信"})
_ONE_CHAR_PLACES = frozenset("区县市省州镇乡村街局委办厅")
_BARE_BROADCAST = frozenset({"电台", "广播", "电视", "广播电视"})
_QUANTIFIERS = ("各", "全", "所有", "多个", "每", "部分")
# verbs that jieba's dictionary tags as nouns; never part of a name (充分利用|政务公开栏)
_VERBISH = frozenset({"利用", "充分利用", "发挥", "充分发挥", "运用", "借助", "依托", "开通", "开设", "用好",
                      "做好", "加强", "强化", "推进", "拓展", "创新"})
_PLACE_TAGS = frozenset({"ns", "nt"})
_GOVERNMENT = re.compile(r"(?:政府|管委会|党工委|实验区|新区|开发区|[省市区县州镇乡旗])$")
MAX_NAME = 24



def _stops(marks: str) -> tuple[re.Pattern, re.Pattern]:
    """The first of ``marks`` or a line break from a point on (``search``), and the last before a
    point (``match`` from the start of the text: ``.*`` runs to the point and backs off)."""
    stop = f"[{re.escape(marks)}\n]"
    return re.compile(stop), re.compile(f".*{stop}", re.S)


_CUT = _stops("，,；;。！？!?")
_SENTENCE_CUT = _stops("。！？!?")
_RUN = re.compile(r"[^\n\r]+")
_LINE_BREAK = re.compile(r"[\n\r]")
_ENUM_START = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,2}[)）]|[一二三四五六七八九十]{1,2}[、.．是]|\d{1,2}[.、．]|[①-⑩])")
# a prefilter: only clauses holding a channel word (or a quoted name that may be one) are tokenized.
# The quoted-name cues are words of the same trie (``”等活动``, ``网”``, ``报》``): no channel word
# starts with ”/" or is a prefix of one (网, 报), so each still matches where it did as an
# alternative after the words; one trie of literals lets ``re`` skip to where a first character is.
_WORDS = {w for ws in CHANNEL_WORDS.values() for w in ws}
_CUE_WORDS = {"”活动", "”等活动", '"活动', '"等活动', "网”", '网"', "报》"}
_ANY_WORD = re.compile(word_pattern(_WORDS | _CUE_WORDS))
_CHANNEL_WORD = re.compile(word_pattern(_WORDS))
# a line break that a word of _ANY_WORD may run across has one of its characters on either side
_WORD_CHARS = frozenset("".join(_WORDS | _CUE_WORDS))
_LINE_BEFORE_WORD = re.compile("\n(?=[" + "".join(sorted(re.escape(c) for c in _WORD_CHARS)) + "])")
_PUBLISH = re.compile(r"发布(?!渠道|平台|机制|流程|审核|权限)|公示|刊登|刊发|推送|播报|播放|张贴|转载|登载|查阅"
                      r"|公开[^，,；;。]{0,10}信息|主动公开|为载体|载体|为核心|为主|为补充|宣传|更新")
_FUTURE = re.compile(r"将|拟|计划|争取|力争|今后|下一步")
_MONITOR = re.compile(r"监控|监测|普查|抽查|检查|考核|评估|测评|排名|评比|评议|巡查|通报")
_UPKEEP = re.compile(r"维护|运维|改版|改造|升级|整合|迁移|集约|建设|管理|调整|优化|整改|防护")
_INTERACT = re.compile(r"申请|信箱|咨询|留言|投诉|举报|诉求|热线|网上调查|互动交流|在线访谈")
_NOT_PUBLISHING = re.compile(f"{_MONITOR.pattern}|{_INTERACT.pattern}")     # either, in one scan
_DOC_TITLE = re.compile(r"《[^《》\n]*(?:关于|通知|办法|意见|规定|指引|条例|方案|规划|细则|决定|要点|指南|报告|通报|制度)[^《》\n]*》")
_PRINT_NAME = re.compile(r"(?:报|时报|刊|周刊|杂志)$")


# the reader's own records are named tuples: a frozen dataclass sets each field through
# object.__setattr__, several times the cost, for records made a few times a report each
class _Clause(NamedTuple):
    text: str
    runs: tuple[Span, ...]     # the source spans the text is made of (a wrapped line gives two)
    next_text: str             # in section 五, the next clause of the same sentence, or ""
    sentence: str              # in section 五, the whole sentence ("" elsewhere: _counts reads neither)
    plan: bool                 # in section 五


class _Mention(NamedTuple):
    kind: ChannelType
    name: str | None
    span: Span
    word: str                  # the channel word (or what stood for it)
    quoted: bool               # the name is a proper name in quotes

    @property
    def unnamed(self) -> bool:
        return self.name is None or self.name == self.word


def find_channels(doc: Document, sections: Sections) -> list[Channel]:
    """Channels named in the report's opening lines and narrative sections (all text if no section was found)."""
    keys = ("overview", "active_disclosure", "problems", "other_matters")
    spans = [s.span for s in sections.found if s.key in keys]
    if not sections.found:
        return channels_in(doc.text, [(0, len(doc.text))])
    first = min(s.heading_span[0] if s.heading_span else s.span[0] for s in sections.found)
    if first > 0:
        spans.insert(0, (0, first))
    five = sections.get("problems")
    return channels_in(doc.text, spans, plans=[five.span] if five is not None else ())


def channels_in(text: str, spans: Iterable[Span], *, plans: Iterable[Span] = ()) -> list[Channel]:
    """Channels mentioned in ``text[span]`` for each span; ``plans`` are spans (section 五) where
    only a mention in a publishing clause that is not a plan counts."""
    plans = list(plans)
    todo: list[_Clause] = []
    for start, end in spans:
        plan = any(a <= start and end <= b for a, b in plans)
        for c in _clauses(text, start, end, plan):
            if "\t" not in c.text and _counts(c):
                todo.append(c)
    if not todo:
        return []
    # one Doc for all the clauses (a line break between them stops every name and pattern):
    # spaCy's cost per Doc is paid once per report, not once per clause
    joined = "\n".join(c.text for c in todo)
    index: list[int] = []
    starts: list[int] = []
    for c in todo:
        starts.append(len(index))
        for a, b in c.runs:
            index.extend(range(a, b))
        index.append(-1)
    upkeep = [bool(_UPKEEP.search(c.text)) for c in todo]
    doc = channel_pipeline()(joined, _read_blocks(joined))
    return _merge(_doc_mentions(doc, index, starts, upkeep, text))


def _read_blocks(text: str) -> list[int]:
    """The starts of the Han blocks (runs of ``HAN_CHAR``) of the joined clauses whose words the
    reader reads, besides the blocks that hold a channel word (which the tagger cuts in any case:
    their entities, and the names walked back from them by ``_name``, ``_account``, ``_quantified``).
    The tagger leaves every other block one token (a quarter of the characters of eval's blocks).
    Two blocks are parted by a token that is no Han block (a mark, a space, the line break between
    clauses), which ends every walk over a name. Read besides are

    * the first words after a closing quote (``_programme``: 栏目; ``_activity_follows``: 等活动),
      and after a 、 that such a walk reaches (``“A”、B活动``, ``“A”和、B活动``: after a block of
      和/与/及/等/系列/主题 the walk went through);
    * those in brackets right after a channel word, up to the first closing bracket or ，。；
      (``_bracketed`` counts their tokens).

    ``_names_next`` and a quoted name before a word (``_name``) read past a quote into a block only
    while its words are 官方/政务…, and find no channel word in a block without one, cut or not."""
    read = []
    for m in _AFTER_QUOTE.finditer(text):
        a = m.start(1)
        while True:
            read.append(a)
            block = _HAN_BLOCK.match(text, a)
            if not _WALKED_WORDS.issuperset(block.group()):
                break
            after = _AFTER_COMMAS.match(text, block.end())     # the walk goes on past 、
            if after is None:
                break
            a = after.end()
    for m in _BRACKET.finditer(text):
        if _WORD_END.search(text, max(0, m.start() - _LONGEST_WORD), m.start()):
            read.extend(b.start() for b in _HAN_BLOCK.finditer(text, m.start(1), m.end(1)))
    return read


_HAN_BLOCK = re.compile(f"{HAN_CHAR}+")
# a closing quote and the 、 after it, then a block (group 1)
_AFTER_QUOTE = re.compile(f"[{re.escape(''.join(QUOTE_CLOSE))}]、*({HAN_CHAR})")
_AFTER_COMMAS = re.compile(f"、+(?={HAN_CHAR})")
_WALKED_WORDS = frozenset("和与及等系列主题")    # what _activity_follows walks over (and 、)
# a bracket after a Han character, and what is in it up to the first closing bracket or ，。；
# (the lookbehind after the bracket: ``re`` scans for the brackets in C)
_BRACKET = re.compile(f"[（(](?<={HAN_CHAR}.)([^）)，。；]*)")
_WORD_END = re.compile(f"(?:{_CHANNEL_WORD.pattern})$")   # searched up to a bracket: a word ends there
_LONGEST_WORD = max(map(len, _WORDS))


def _clauses(text: str, start: int, end: int, plan: bool) -> list[_Clause]:
    """The clauses of ``text[start:end]`` that hold a channel word; a line break inside a sentence
    joins (and is dropped). Found from the channel words out, so text without one costs nothing."""
    out = []
    done = start
    hits = [m.span() for m in _ANY_WORD.finditer(text, start, end)]
    for br in _LINE_BEFORE_WORD.finditer(text, start, end):   # a channel word broken by a wrapped line (电⏎子屏)
        nl = br.start()
        if nl > start and text[nl - 1] in _WORD_CHARS and _wrapped(text, nl, start, end):
            left = text[max(start, nl - 6):nl]
            for m in _ANY_WORD.finditer(left + text[nl + 1:min(end, nl + 7)]):
                if m.start() < len(left) < m.end():
                    hits.append((nl - len(left) + m.start(), nl + 1 + m.end() - len(left)))
    for h0, h1 in sorted(hits):
        if h0 < done:
            continue  # in the clause already taken
        a = _edge(text, h0, start, end, -1, _CUT)
        b = _edge(text, h1, start, end, 1, _CUT)
        done = b
        nxt = sentence = ""
        if plan:
            if b < end and text[b] in "，,；;":
                nxt = _joined(text, b + 1, _edge(text, b + 1, start, end, 1, _CUT))[0]
            sentence = _joined(text, _edge(text, a, start, end, -1, _SENTENCE_CUT),
                               _edge(text, b, start, end, 1, _SENTENCE_CUT))[0]
        t, runs = _joined(text, a, b)
        if t.strip():
            out.append(_Clause(t, runs, nxt, sentence, plan))
    return out


def _edge(text: str, i: int, lo: int, hi: int, step: int, marks: tuple[re.Pattern, re.Pattern]) -> int:
    """Where the clause (or sentence) around ``i`` ends going ``step`` (-1 back, 1 on): at a mark or
    at a line break that is not a wrap inside a sentence."""
    first, last = marks
    if step < 0:
        while m := last.match(text, lo, i):
            p = m.end() - 1
            if text[p] != "\n" or not _wrapped(text, p, lo, hi):
                return p + 1
            i = p
        return lo
    while m := first.search(text, i, hi):
        p = m.start()
        if text[p] != "\n" or not _wrapped(text, p, lo, hi):
            return p
        i = p + 1
    return hi


def _joined(text: str, a: int, b: int) -> tuple[str, tuple[Span, ...]]:
    """``text[a:b]`` without its (wrapped) line breaks, and the source runs it is made of."""
    if a < b and not _LINE_BREAK.search(text, a, b):
        return text[a:b], ((a, b),)      # the usual clause: one run
    runs = tuple(m.span() for m in _RUN.finditer(text, a, b))
    return "".join(text[x:y] for x, y in runs), runs


def _wrapped(text: str, i: int, start: int, end: int) -> bool:
    """The line break at ``i`` is a wrap inside a sentence: a long line that ends mid-sentence,
    followed by a line that does not open an item."""
    line_start = text.rfind("\n", start, i) + 1
    line = text[max(line_start, start):i].strip()
    if len(line) < 16 or not line or line[-1] in "。！？!?；;：:，,、" or not ("\u4e00" <= line[-1] <= "\u9fff"):
        return False
    nxt = text[i + 1:min(end, i + 12)]
    return bool(nxt) and "\u4e00" <= nxt[0] <= "\u9fff" and not _ENUM_START.match(nxt)


def _counts(c: _Clause) -> bool:
    """Whether the clause may name a medium the body published through."""
    if _NOT_PUBLISHING.search(c.text):
        return False
    if c.plan:
        return bool(_PUBLISH.search(c.text) or _PUBLISH.search(c.next_text)) and not _FUTURE.search(c.sentence)
    return True


def _doc_mentions(doc, idx: list[int], starts: list[int], upkeep: list[bool], text: str) -> list[_Mention]:
    """Mentions in the Doc of the joined clauses (``idx``: the source offset of each character, -1
    between clauses; ``starts``: where each clause begins; ``upkeep``: the clause speaks of upkeep)."""

    def src(a: int, b: int) -> Span:
        return (idx[a], idx[b - 1] + 1)

    found: list[tuple[_Mention, int, int]] = []   # the mention, its start and end in the Doc's text
    quoted = [q for q in doc.spans["quoted"] if len(q.text) - 2 <= MAX_QUOTED]
    titles = [m.span() for m in _DOC_TITLE.finditer(doc.text)]
    used_quotes: set[int] = set()
    naming = [q for q in quoted if _names_next(doc, q)]   # quoted names of the channel that follows
    last_end, last_clause = -1, -1
    for ent in doc.ents:
        if ent.label_ != "CHANNEL":
            continue
        kind: ChannelType = ent.ent_id_  # type: ignore[assignment]
        clause = bisect_right(starts, ent.start_char) - 1
        if any(a <= ent.start_char and ent.end_char <= b for a, b in titles):
            continue  # a word inside a document's title
        if _chrome(text, idx[ent.start_char], idx[ent.end_char - 1] + 1):
            continue
        if (kind == "website" and ent.text in _COLUMNS and clause == last_clause
                and ent.start_char - last_end <= 8):
            last_end = ent.end_char
            continue  # a column of a site already named (…门户网站本局信息公开专栏)
        if naming and any(q.start < ent.start and ent.end < q.end for q in naming):
            continue  # part of a quoted name of the channel that follows (“信用中国（某某）”网站)
        name, start, end, q = _name(doc, ent, kind, quoted)
        if q is not None:
            used_quotes.add(q)
        if upkeep[clause] and _quantified(doc, ent):
            continue  # upkeep of many bodies' sites (全区政府网站升级改造)
        is_quoted = q is not None
        prev = found[-1] if found else None
        if (name is None and kind in _GENERIC and prev is not None and prev[0].kind in _PLATFORMS
                and prev[0].name is not None
                and doc.text[prev[2]:ent.start_char].strip() in ("和", "及", "与", "、", "以及")):
            name, is_quoted = prev[0].name, prev[0].quoted  # “平安某某”抖音号和快手号: one account name for both
            start = prev[1]
        found.append((_Mention(kind, name, src(start, end), ent.text, is_quoted), start, end))
        last_end, last_clause = ent.end_char, clause
    out = [m for m, _, _ in found] + _quoted_media(doc, quoted, used_quotes, titles, src)
    out.sort(key=lambda m: m.span[0])
    return out


def _quoted_media(doc, quoted, used: set[int], titles, src) -> list[_Mention]:
    """Quoted names that are media themselves: 《…报》 (print), “…网” (website), “…”(等)活动 (onsite)."""
    out = []
    ents = [(e.start, e.end) for e in doc.ents]
    for k, q in enumerate(quoted):
        if k in used or any(a <= q.start < b or q.start <= a < q.end for a, b in ents):
            continue
        if any(a <= q.start_char and q.end_char <= b for a, b in titles):
            continue
        inner = _inner(q)
        if len(inner) < 2:
            continue
        if q.text[0] == "《" and _PRINT_NAME.search(inner):
            out.append(_Mention("print", inner, src(q.start_char, q.end_char), "", True))
        elif inner.endswith("网") and len(inner) > 2:
            out.append(_Mention("website", inner, src(q.start_char, q.end_char), "", True))
        elif _activity_follows(doc, q, quoted):
            out.append(_Mention("onsite", inner, src(q.start_char, q.end_char), "", True))
    return out


def _activity_follows(doc, q, quoted) -> bool:
    """Only other quoted names, conjunctions and 等 stand between the span and a word ending in 活动."""
    i = q.end
    starts = {x.start: x for x in quoted}
    while i < len(doc):
        if i in starts:
            i = starts[i].end
            continue
        t = doc[i].text
        if t in ("、", "和", "与", "及", "等", "系列", "主题"):
            i += 1
            continue
        return t.endswith("活动")
    return False


def _chrome(text: str, a: int, b: int) -> bool:
    """A bare word standing between spaces or line ends (after 分享到： at most): a web page's
    share button, not prose."""
    before = text[a - 1] if a > 0 else "\n"
    after = text[b] if b < len(text) else "\n"
    return (before.isspace() or before in "：:") and after.isspace()


def _quantified(doc, ent) -> bool:
    """The mention's phrase is led by a quantifier (全区…, 各…): many bodies' media, not one."""
    i = ent.start
    while i > 0 and _nounlike(doc[i - 1]):
        i -= 1
    return any(doc[j].text.startswith(_QUANTIFIERS) for j in range(max(0, i - 1), ent.start))


def _name(doc, ent, kind: ChannelType, quoted) -> tuple[str | None, int, int, int | None]:
    """(name, start, end, index of the quoted span used) of a channel mention, offsets within the clause."""
    if kind in _QUOTED_NAMES:
        for k, q in enumerate(quoted):
            if q.start < ent.start and ent.end < q.end:        # 《栎山日报》
                return _inner(q), q.start_char, q.end_char, k
            if q.end <= ent.start <= q.end + 2 and all(doc[i].text in _QUALIFIERS for i in range(q.end, ent.start)):
                # “焦作城管”(官方)公众号
                return _inner(q), q.start_char, ent.end_char, k
    if kind in _PLATFORMS:
        bracket = _bracketed(doc, ent)
        if bracket is not None:
            return bracket[0], ent.start_char, bracket[1], None
        account = _account(doc, ent)
        if account is not None:
            return doc[account:ent.start].text, doc[account].idx, ent.end_char, None
    if kind == "broadcast":
        show = _programme(doc, ent, quoted)
        if show is not None:
            return _inner(quoted[show[0]]), ent.start_char, show[1], show[0]
    if kind in _GENERIC:
        return None, ent.start_char, ent.end_char, None
    i = ent.start
    nxt = None                  # the token after doc[i - 1] in the name (none right before the word)
    while i > 0:
        tok = doc[i - 1]
        if not (_nounlike(tok, nxt) and ent.end_char - tok.idx <= MAX_NAME + len(ent.text)):
            break
        i -= 1
        nxt = tok
    while i < ent.start and len(t := doc[i].text) == 1 and t not in _ONE_CHAR_PLACES:
        i += 1  # a stray character cut off a verb (抓|实|公示栏)
    if kind == "broadcast" and ent.text in _BARE_BROADCAST:
        i = ent.start  # 电台, 广播, 电视: the medium, not a station; jieba tags 做客 as a noun
    prefix = doc[i:ent.start].text
    before = doc[i - 1] if i > 0 else None
    if kind == "press_conference" and not (before is not None and before.text in ("在", "于")):
        prefix = ""
    if prefix.startswith(_QUANTIFIERS) or (before is not None and before.text.startswith(_QUANTIFIERS)):
        prefix = ""
    if not prefix:
        if ent.text in _UNNAMED_WORDS[kind]:
            return None, ent.start_char, ent.end_char, None
        return ent.text, ent.start_char, ent.end_char, None
    return prefix + ent.text, doc[i].idx, ent.end_char, None


def _account(doc, ent) -> int | None:
    """Where an unquoted account name right before a platform word starts (某某发布微信公众号):
    nouns, optionally closed by 发布; three characters at least, not 本局…/各…."""
    i = ent.start
    if i > 1 and doc[i - 1].text == "发布" and _nounlike(doc[i - 2]):
        i -= 1
    nxt = doc[i]
    while i > 0 and _nounlike(tok := doc[i - 1], nxt) and tok.text not in _QUALIFIERS:
        i -= 1
        nxt = tok
    name = doc[i:ent.start].text
    if len(name) < 3 or name.startswith(("本", "我", "该", "其") + _QUANTIFIERS) or name == "发布":
        return None
    return i


def _programme(doc, ent, quoted) -> tuple[int, int] | None:
    """A quoted programme right after a broadcaster (某某电视台《政务直通车》栏目): (its quoted span,
    the end character of 栏目/节目)."""
    for k, q in enumerate(quoted):
        if q.start == ent.end and q.end < len(doc) and doc[q.end].text in ("栏目", "节目", "专栏"):
            return k, doc[q.end].idx + len(doc[q.end].text)
    return None


def _bracketed(doc, ent) -> tuple[str, int] | None:
    """A name in brackets right after a platform word (微信公众号（某某发布）): (name, end char)."""
    i = ent.end
    if i >= len(doc) or doc[i].text not in ("（", "("):
        return None
    j = i + 1
    while j < len(doc) and doc[j].text not in ("）", ")") and j - i <= 12:
        if doc[j].ent_type_ or doc[j].text in ("，", "。", "；"):
            return None
        j += 1
    if j >= len(doc) or doc[j].text not in ("）", ")"):
        return None
    inner = doc[i + 1:j].text.strip()
    if not (2 <= len(inner) <= MAX_NAME) or re.search(r"[A-Za-z0-9.:/]", inner):
        return None  # a URL or a count, not a name
    return inner, doc[j].idx + len(doc[j].text)


def _names_next(doc, q) -> bool:
    """The quoted span is followed (after 官方/政务… at most) by a channel word."""
    i = q.end
    while i < len(doc) and doc[i].text in _QUALIFIERS:
        i += 1
    return i < len(doc) and doc[i].ent_type_ == "CHANNEL"


def _nounlike(tok, nxt=None) -> bool:
    """A token that can be part of a channel's name: a noun that is not itself a channel word.
    A verbal noun counts only inside a name: after a place name (平潭|综合|实验区), or where with
    the start of the noun after it it makes a word jieba cut apart (实验|区政府 → 实验区); not as
    a verb before a name (优化|县政府网站)."""
    tag = tok.tag_
    if tag == "nchn" or tok.ent_type_ or tok.text in _VERBISH:
        return False
    if tag == "vn":
        if nxt is None or not nxt.tag_.startswith("n") or nxt.ent_type_:
            return False
        prev = tok.doc[tok.i - 1] if tok.i > 0 else None
        return ((prev is not None and prev.tag_ in _PLACE_TAGS)
                or any(_is_word(tok.text + nxt.text[:k]) for k in range(1, len(nxt.text))))
    if tok.text == "公开" and tok.i > 0 and tok.doc[tok.i - 1].tag_.startswith("n"):
        return True  # 信息公开, 政务公开, 村务公开: a noun in a name (政府信息公开查阅场所)
    if tag in ("j", "l", "ng", "zg"):
        return True
    return tag.startswith("n") and not tok.text.isdigit()


def _is_word(s: str) -> bool:
    return channel_pipeline().tokenizer.is_word(s)


def _inner(q) -> str:
    text = q.text
    if text[:1] in QUOTE_OPEN and text[-1:] in QUOTE_CLOSE:
        text = text[1:-1]
    return text.strip()


# -- one entry per medium -----------------------------------------------------

def _is_portal(m: _Mention) -> bool:
    """The body's government portal: a portal word, or a bare 网站 named by a place or a government."""
    if m.kind != "website":
        return False
    if m.word in _PORTAL_WORDS or m.word in _COLUMNS:
        return True
    if m.word != "网站":
        return False
    if m.name is None:
        return True
    prefix = m.name[:-2]
    return bool(_GOVERNMENT.search(prefix)) or _place_name(prefix)


def _place_name(s: str) -> bool:
    """Every word of ``s`` is a place or an organisation name (中国·平潭)."""
    words = [t for t in channel_pipeline().tokenizer(s) if t.text not in ("·", "•", " ")]
    return bool(words) and all(t.tag_ in _PLACE_TAGS for t in words)


def _fullest(group: list[_Mention]) -> _Mention:
    """The mention with the fullest name: a quoted proper name first, then a site's over its column's,
    then the longest; the first on ties."""
    return max(group, key=lambda m: (m.quoted and m.name is not None, m.word not in _COLUMNS,
                                     len(m.name or ""), -m.span[0]))


def _merge(mentions: list[_Mention]) -> list[Channel]:
    groups: dict[tuple, list[_Mention]] = {}
    for m in mentions:
        if _is_portal(m):
            key: tuple = ("website", "<portal>")
        elif m.kind == "onsite" and m.word in _READING_WORDS:
            key = ("onsite", "<reading places>")
        else:
            key = (m.kind, m.name)
        groups.setdefault(key, []).append(m)
    entries = [(min(x.span[0] for x in g), _fullest(g)) for g in groups.values()]
    entries.sort(key=lambda e: e[0])
    chosen = [m for _, m in entries]
    named = {m.kind for m in chosen if not m.unnamed}
    out = []
    seen_unnamed: set[str] = set()
    for m in chosen:
        if m.unnamed and m.kind in _CATEGORY_TYPES:
            if m.kind in named or m.kind in seen_unnamed:
                continue  # 报刊 beside 《某某时报》: the category of a medium named here
            seen_unnamed.add(m.kind)
        out.append(Channel(m.kind, m.name, m.span))
    if any(c.type in _PLATFORMS for c in out):
        out = [c for c in out if c.type != "new_media"]
    return out
