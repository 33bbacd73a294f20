"""Publication channels: the media through which the body *publishes*, as the report names them.

The narrative sections are cut into clauses (text between ，；。！？). A clause
that holds a channel word goes through the spaCy pipeline of ``.nlp`` (jieba
tokens with part-of-speech tags; an EntityRuler labels each channel word with
its type; quoted names are spans). A mention counts only where its clause or
the next one says something is published there (发布, 公示, 刊登, 推送, 公开…信息,
…为载体/为核心/为主); that leaves out interaction channels (信箱, 热线, 网上咨询 —
not in the lexicon, and not publishing) and clauses about monitoring or upkeep of
sites (``对全市 44 家政府网站……进行监控``, ``调整优化市政府网站……栏目设置``).

Names, per schema.md:

* a quoted name right before the channel word (``“焦作城管”微信视频号``, also with
  官方/政务/新浪 between) or around it (``《栎山日报》``), without the marks;
* else, for websites, print and other platforms, the noun phrase that ends in
  the channel word: the nouns before it, back to the first token that is not a
  noun (a preposition 在/通过/以, a verb, a conjunction, a punctuation mark, a
  number) — ``在|区政府|信息公开网站`` → ``区政府信息公开网站``; a bare ``网站``,
  ``日报`` or ``公报`` with no such phrase has no name;
* for onsite media and press conferences, that phrase only after 在/于
  (``在局办事大厅公开栏`` → ``局办事大厅公开栏``), else the channel word; broadcasts are named
  like websites (``焦作广播电视台``);
* a platform word right after a named one and a conjunction shares its name
  (``“平安某某”抖音号和快手号``: both are 平安某某);
* a phrase led by a quantifier (各乡镇…, 全市…) names no single medium: the word;
* platform words with no name (微信公众号, 微博, 抖音, 政务新媒体) → ``None``.

``new_media`` is kept only where no platform is named. One entry per
(type, name), in order of first mention; its span covers name and word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..types import Channel, ChannelType, Document, Sections, Span
from .nlp import CHANNEL_WORDS, MAX_QUOTED, QUOTE_CLOSE, QUOTE_OPEN, channel_pipeline

_NAMED_TYPES = frozenset({"website", "print", "other_platform"})
_PLACE_TYPES = frozenset({"onsite", "press_conference"})
_GENERIC = frozenset({"wechat", "wechat_channels", "weibo", "short_video", "app", "new_media"})
_PLATFORMS = frozenset({"wechat", "wechat_channels", "weibo", "short_video", "app"})
_UNNAMED_WORDS = frozenset({"网站", "日报", "公报"})
_COLUMNS = frozenset({"信息公开专栏", "信息公开平台", "政务公开专栏"})
_QUALIFIERS = frozenset({"官方", "政务", "新浪", "微信"})
_QUANTIFIERS = ("各", "全", "所有", "多个", "每个", "部分")
MAX_NAME = 24

_CLAUSE = re.compile(r"[^，,；;。！？!?\n]+")
# a prefilter: only clauses holding a channel word are tokenized
_ANY_WORD = re.compile("|".join(sorted({re.escape(w) for ws in CHANNEL_WORDS.values() for w in ws},
                                       key=len, reverse=True)))
_PUBLISH = re.compile(r"发布(?!渠道|平台|机制|流程|审核|权限)|公示|刊登|刊发|推送|播报|播放|张贴|转载|登载|查阅"
                      r"|公开(?:政府|政务)?信息|主动公开|为载体|载体|为核心|为主|为补充|宣传")
_PUBLISH_VERB = re.compile(r"发布|公示|刊登|刊发|推送|播报|张贴")
# clauses about watching or keeping up sites (often other bodies'), not publishing on them
_UPKEEP = re.compile(r"监控|监测|普查|检查|考核|评估|维护|运维|改版|整改|调整|优化|升级|防护|监管")


def find_channels(doc: Document, sections: Sections) -> list[Channel]:
    """Channels named in the report's narrative sections (all text if none were found)."""
    spans = [s.span for s in sections.found if s.key in ("overview", "active_disclosure", "problems", "other_matters")]
    if not spans:
        spans = [(0, len(doc.text))]
    return channels_in(doc.text, spans)


def channels_in(text: str, spans: Iterable[Span]) -> list[Channel]:
    clauses: list[tuple[int, str, str]] = []   # (offset, clause, the next clause of its sentence or "")
    for start, end in spans:
        found = list(_CLAUSE.finditer(text, start, end))
        for m, nxt in zip(found, found[1:] + [None]):
            same_sentence = nxt is not None and text[m.end():nxt.start()].strip() in ("，", ",", "；", ";")
            clauses.append((m.start(), m.group(), nxt.group() if same_sentence else ""))
    todo = [(off, c) for off, c, nxt in clauses if "\t" not in c and _ANY_WORD.search(c) and _publishes(c, nxt)]
    out: dict[tuple[str, str | None], Channel] = {}
    if todo:
        docs = channel_pipeline().pipe(c for _, c in todo)
        for (off, _), doc in zip(todo, docs):
            for ch in _doc_channels(doc, off):
                out.setdefault((ch.type, ch.name), ch)
    found = list(out.values())
    if any(c.type in _PLATFORMS for c in found):
        found = [c for c in found if c.type != "new_media"]
    return found


def _publishes(clause: str, nxt: str) -> bool:
    if _UPKEEP.search(clause) and not _PUBLISH_VERB.search(clause):
        return False
    return bool(_PUBLISH.search(clause) or _PUBLISH.search(nxt))


def _doc_channels(doc, off: int) -> list[Channel]:
    """Channels of one tokenized clause; spans shifted by the clause offset ``off``."""
    found: list[Channel] = []
    quoted = [q for q in doc.spans["quoted"] if len(q.text) - 2 <= MAX_QUOTED]
    last_end = -1
    for ent in doc.ents:
        if ent.label_ != "CHANNEL":
            continue
        kind: ChannelType = ent.ent_id_  # type: ignore[assignment]
        if kind == "website" and ent.text in _COLUMNS and last_end >= 0 and ent.start_char - last_end <= 8:
            last_end = ent.end_char
            continue  # a column of a site already named (…门户网站本局信息公开专栏)
        if any(q.start < ent.start and ent.end < q.end and _names_next(doc, q) for q in quoted):
            continue  # part of a quoted name of the channel that follows (“信用中国（某某）”网站)
        name, start, end = _name(doc, ent, kind, quoted)
        prev = found[-1] if found else None
        if (name is None and kind in _GENERIC and prev is not None and prev.type in _PLATFORMS
                and prev.name is not None and _coordinated(doc, prev.span[1] - off, ent.start_char)):
            name = prev.name  # “平安某某”抖音号和快手号: one account name for both platforms
            start = prev.span[0] - off
        found.append(Channel(kind, name, (off + start, off + end)))
        last_end = ent.end_char
    return found


def _name(doc, ent, kind: ChannelType, quoted) -> tuple[str | None, int, int]:
    """(name, start, end) of a channel mention, offsets within the clause."""
    if kind not in ("onsite", "press_conference", "new_media"):
        for q in quoted:
            if q.start < ent.start and ent.end < q.end:        # 《栎山日报》
                return _inner(q), q.start_char, q.end_char
            between = doc[q.end:ent.start]
            if q.end <= ent.start and all(t.text in _QUALIFIERS for t in between):  # “焦作城管”(官方)公众号
                return _inner(q), q.start_char, ent.end_char
    if kind in _GENERIC:
        return None, ent.start_char, ent.end_char
    i = ent.start
    while i > 0 and _nounlike(doc[i - 1]) and ent.end_char - doc[i - 1].idx <= MAX_NAME + len(ent.text):
        i -= 1
    prefix = doc[i:ent.start].text
    before = doc[i - 1] if i > 0 else None
    if kind in _PLACE_TYPES and not (before is not None and before.text in ("在", "于")):
        prefix = ""
    if prefix.startswith(_QUANTIFIERS) or (before is not None and before.text.startswith(_QUANTIFIERS)):
        prefix = ""
    if not prefix:
        if kind in _NAMED_TYPES and ent.text in _UNNAMED_WORDS:
            return None, ent.start_char, ent.end_char
        return ent.text, ent.start_char, ent.end_char
    return prefix + ent.text, doc[i].idx, ent.end_char


def _coordinated(doc, a: int, b: int) -> bool:
    """Only a conjunction (和, 及, 与, 、) lies between characters ``a`` and ``b`` of the clause."""
    return doc.text[a:b].strip() in ("和", "及", "与", "、", "以及")


def _names_next(doc, q) -> bool:
    """The quoted span is followed (after 官方/政务… at most) by a channel word."""
    i = q.end
    while i < len(doc) and doc[i].text in _QUALIFIERS:
        i += 1
    return i < len(doc) and doc[i].ent_type_ == "CHANNEL"


def _nounlike(tok) -> bool:
    """A token that can be part of a channel's name: a noun that is not itself a channel word."""
    tag = tok.tag_
    if tag == "nchn" or tok.ent_type_:
        return False
    if tag in ("j", "l", "ng", "zg"):
        return True
    return tag.startswith("n") and not tok.text.isdigit()


def _inner(q) -> str:
    text = q.text
    if text[:1] in QUOTE_OPEN and text[-1:] in QUOTE_CLOSE:
        text = text[1:-1]
    return text.strip()
