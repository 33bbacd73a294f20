"""spaCy over jieba for the narrative: a blank Chinese pipeline that knows the channel lexicon.

``channel_pipeline()`` is ``spacy.blank("zh")`` whose tokenizer is a *private*
``jieba.Tokenizer`` (with jieba's part-of-speech tagger, HMM off): the channel
words and a few words that must not be cut into channel words (``栏目`` is not a
``公开栏``) are added to that instance only, so the global jieba dictionary and
every other pipeline in the process are untouched. Each token carries jieba's
tag in ``Token.tag_`` (``p`` preposition, ``v`` verb, ``n``/``ns``/``nt`` nouns...),
and an ``EntityRuler`` labels

* ``CHANNEL`` — a channel word; the entity's ``id`` is the channel type of
  ``../shared/schema.md`` (``微信公众号`` → ``wechat``);

and a ``SpanRuler`` puts every span in “…” / 《…》 / 「…」 / "…" (a candidate proper
name, which may itself hold a channel word: 《焦作日报》) in ``doc.spans["quoted"]``.

Building it loads jieba's dictionary (~0.5 s, once per process); tokenizing a
clause costs well under a millisecond.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

from ..channel_types import CHANNEL_TYPES, ChannelType

# Channel words by type, from the table of channel types. Every word becomes one token (it is
# in the private dictionary) and one EntityRuler pattern; longer words win over their parts.
CHANNEL_WORDS: dict[ChannelType, tuple[str, ...]] = {t.key: t.words for t in CHANNEL_TYPES}

# Words that contain a channel word but are not one; in the dictionary so jieba keeps them whole.
NOT_CHANNELS: tuple[str, ...] = (
    "栏目", "公开栏目", "信息公开栏目", "专栏栏目", "网站群", "网站集约化", "网站建设", "网站维护", "门户网站群",
    "电视电话会议", "电视会议", "广播电视局", "广播电视台局", "公报栏目", "发布会议", "微信群", "工作群",
    "微信工作群", "新媒体中心", "图书馆员", "档案馆藏",
)

QUOTE_OPEN = ("“", "《", "「", '"', "『")
QUOTE_CLOSE = ("”", "》", "」", '"', "』")
MAX_QUOTED = 20

_lock = threading.Lock()
_SURROGATE = re.compile("[\ud800-\udfff]")


def word_pattern(words) -> str:
    """A regex matching any of ``words``, the longest at each position, built as a trie
    (网(?:站|…)|微(?:信…)…): at each position one branch is tried, not every word."""
    trie: dict = {}
    for w in words:
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(c) + build(sub) for c, sub in sorted(node.items()) if c]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return build(trie)


# channel words by pattern over the text, the longest at each position
_HIDDEN = re.compile(word_pattern({w for ws in CHANNEL_WORDS.values() for w in ws}))
_TILED = re.compile(f"(?:{_HIDDEN.pattern})+")


class JiebaTagger:
    """A spaCy tokenizer: a private jieba instance (with POS tags) over the channel lexicon."""

    def __init__(self, vocab, words: dict[str, str]) -> None:
        import jieba
        import jieba.posseg

        self.vocab = vocab
        log = logging.getLogger("jieba")
        level = log.level
        log.setLevel(logging.WARNING)  # jieba announces its dictionary load on stderr
        try:
            tk = jieba.Tokenizer()
            tk.initialize()
        finally:
            log.setLevel(level)
        for w, tag in words.items():
            tk.add_word(w, tag=tag)
        self._pos = jieba.posseg.POSTokenizer(tk)
        self._freq = tk.FREQ

    def is_word(self, s: str) -> bool:
        """``s`` is a word of the dictionary."""
        return bool(self._freq.get(s))

    def __call__(self, text: str):
        from spacy.tokens import Doc

        # a lone surrogate (broken input) cannot be stored by spaCy: one replacement character
        # instead keeps every offset
        text = _SURROGATE.sub("\ufffd", text)
        toks: list[tuple[int, int, str]] = []
        pos = 0
        for pair in self._pos.cut(text, HMM=False):
            toks.append((pos, pos + len(pair.word), pair.flag))
            pos += len(pair.word)
        toks = _respect_channel_words(text, toks)
        if not toks:
            return Doc(self.vocab, words=[], spaces=[])
        return Doc(self.vocab, words=[text[a:b] for a, b, _ in toks], spaces=[False] * len(toks),
                   tags=[t for _, _, t in toks])


def _respect_channel_words(text: str, toks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Re-cut jieba's tokens so that a channel word found in the text by pattern is one token:
    jieba may hide channel words inside a compound of them (电视广播) or cut across one at the
    end of a phrase (村务公开|栏). Words of the private dictionary (channel words, and the words
    that are not channels: 栏目) are left as cut, and so is a cut that would split a word of the
    text in two (每日|报送 holds no 日报)."""
    whole = {(s, e) for s, e, t in toks if t == "nchn"}
    for m in _HIDDEN.finditer(text):
        a, b = m.span()
        if (a, b) in whole:
            continue  # the dictionary's own cut: the usual case
        covering = [(s, e, t) for s, e, t in toks if s < b and a < e]
        if any(t in ("nchn", "nnot") for _, _, t in covering):
            continue
        if len(covering) == 1:
            s, e, _ = covering[0]
            if not _TILED.fullmatch(text, s, e):
                continue  # 电视剧, 日报社: a word of its own, not channel words run together
        elif b != covering[-1][1] or 0 < a - covering[0][0] < 2:
            continue  # 每日|报送, 政务|网络: the pattern cuts a word of the text in two
        out: list[tuple[int, int, str]] = []
        for s, e, t in toks:
            if e <= a or s >= b:
                out.append((s, e, t))
                continue
            if s < a:
                out.append((s, a, t))
            if not out or out[-1] != (a, b, "nchn"):
                out.append((a, b, "nchn"))
            if e > b:
                out.append((b, e, t))
        toks = out
    return toks


@lru_cache(maxsize=1)
def _build():
    import spacy

    nlp = spacy.blank("zh")
    words = {w: "nchn" for ws in CHANNEL_WORDS.values() for w in ws}
    words.update({w: "nnot" for w in NOT_CHANNELS})
    nlp.tokenizer = JiebaTagger(nlp.vocab, words)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    # phrase patterns (a PhraseMatcher over the tokenized words): each word is one token of the
    # private dictionary, so it matches only as a whole token, as a token pattern would, but faster
    ruler.add_patterns([{"label": "CHANNEL", "id": kind, "pattern": w}
                        for kind, ws in CHANNEL_WORDS.items() for w in ws])
    # quoted names may hold a channel word (《焦作日报》): spans, which may overlap the entities
    quotes = nlp.add_pipe("span_ruler", config={"spans_key": "quoted"})
    quotes.add_patterns([{"label": "QUOTED", "pattern": [
        {"ORTH": {"IN": list(QUOTE_OPEN)}},
        {"ORTH": {"NOT_IN": list(QUOTE_CLOSE) + ["，", "。", "；", "\n"]}, "OP": "+"},
        {"ORTH": {"IN": list(QUOTE_CLOSE)}},
    ]}])
    return nlp


def channel_pipeline():
    """The shared pipeline (built on first use, once per process; thread-safe)."""
    with _lock:
        return _build()
