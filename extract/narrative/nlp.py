"""The narrative's word tagger: jieba's segmentation and tags over the channel lexicon, and a small Doc.

``channel_pipeline()`` cuts text as a *private* ``jieba.Tokenizer`` with jieba's
part-of-speech tagger (HMM off) would: the channel words and a few words that must
not be cut into channel words (``栏目`` is not a ``公开栏``) are in its dictionary
only, so the global jieba dictionary is untouched. Each token carries jieba's tag
in ``Token.tag_`` (``p`` preposition, ``v`` verb, ``n``/``ns``/``nt`` nouns...); the
Doc's entities (``doc.ents``) are

* ``CHANNEL`` — a channel word; the entity's ``ent_id_`` is the channel type of
  ``../shared/schema.md`` (``微信公众号`` → ``wechat``),

and ``doc.spans["quoted"]`` holds every span in “…” / 《…》 / 「…」 / "…" (a candidate
proper name, which may itself hold a channel word: 《焦作日报》). The Doc has the
meaning of the spaCy Doc that ``spacy.blank("zh")`` with an EntityRuler and a
SpanRuler gave before (tests/test_nlp.py compares the two where spaCy is installed),
without spaCy's second of import and jieba's second and ~150 MB of dictionary per
process: the lexicon is a memory-mapped trie built once and cached (see ``Tagger``).
Loading it takes milliseconds; tagging a report's channel clauses well under one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import mmap
import re
import tempfile
import threading
from array import array
from collections.abc import Iterable
from functools import partial
from itertools import compress
from math import log
from pathlib import Path

from ..channel_types import CHANNEL_TYPES, ChannelType
from ..usercache import cached

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


# -- the tagger: jieba's segmentation and tags, from a lexicon that loads in milliseconds --------
#
# jieba keeps its dictionary in Python dicts (~600,000 prefixes and ~350,000 tags): a second and
# ~150 MB in every process that loads it, and ``import jieba`` alone imports pkg_resources. The
# tagger instead reads a marisa-trie of every word of a private jieba tokenizer (jieba's
# dictionary plus the channel lexicon, added as jieba adds words: ``add_word`` with its suggested
# frequencies) with each word's frequency and tag beside it, memory-mapped, so worker processes
# share it. It is built once by jieba itself and cached (``extract.usercache``) under
# a key of jieba's files and the word lists; ``cut`` is jieba's ``posseg.cut(text, HMM=False)``
# over it (tests/test_nlp.py compares the two on every report of eval/).

# the layout of the lexicon's files, part of its cache key. 3: each word's log probability
# (jieba's log(freq) - log(total)) beside its frequency, and the longest word's length (2 was an
# unreleased layout that may still sit in caches under the same words). 4: also each character's
# term and tag (chars.bin) and the table of character pairs that may start a word (pairs.bin). 5: also
# which characters are words (chars.bin) and the table of character triples that may start a word of
# three characters or more (triples.bin). 6: also the words of two characters by their pair, in a
# table of their own (pairwords.bin)
LEXICON_FORMAT = 6
# what jieba's posseg splits text into before cutting (jieba/posseg/__init__.py: re_han_internal,
# re_skip_internal): a Han block, or a character (``\r\n`` whole) that jieba tags alone
HAN_CHAR = "[\u4E00-\u9FD5a-zA-Z0-9+#&\\._]"      # a character of a block that jieba cuts on its own
_RE_PIECE = re.compile(f"(?P<han>{HAN_CHAR}+)|\r\n|.", re.S)
_HAN_END = 0x9FD6           # every character of a Han block is below U+9FD6
# the pair (and triple) table's slots (a prime) and the multiplier of a pair's first character (see
# ``_pair_slot``)
PAIR_SLOTS = 2_097_143
PAIR_MUL = _HAN_END
# the slots of the table of two-character words (a prime, over twice their number: jieba's dictionary
# has about 114,000), which holds a word at the first free slot from its pair's code modulo this
PAIR_WORD_SLOTS = 262_139
_NO_WORD = float("-inf")     # a route's score before a word is found (every real score is finite)
_ENG1_CODES = frozenset(map(ord, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))  # jieba's re_eng1


def _pair_slot(a: int, b: int, slots: int = PAIR_SLOTS, mul: int = PAIR_MUL) -> int:
    """The slot of the pair table for the characters of code points ``a`` then ``b``."""
    return (a * mul + b) % slots


def _triple_slot(a: int, b: int, c: int, slots: int = PAIR_SLOTS, mul: int = PAIR_MUL) -> int:
    """The slot of the triple table for the characters of code points ``a``, ``b`` then ``c``."""
    return ((a * mul + b) * mul + c) % slots


def lexicon_words() -> dict[str, str]:
    """The words added to the private jieba dictionary, with their tags (added in this order)."""
    words = {w: "nchn" for ws in CHANNEL_WORDS.values() for w in ws}
    words.update({w: "nnot" for w in NOT_CHANNELS})
    return words


def _lexicon_key(words: dict[str, str]) -> str:
    """A digest of what the lexicon is made of: jieba's code and dictionary files, the words."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        raise ImportError("jieba is not installed")
    h = hashlib.sha256(f"{LEXICON_FORMAT}\n".encode())
    root = Path(spec.origin).parent
    for name in ("__init__.py", "dict.txt", "posseg/__init__.py"):
        st = (root / name).stat()
        h.update(f"{name} {st.st_size} {st.st_mtime_ns}\n".encode())
    h.update(json.dumps(list(words.items()), ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def _build_lexicon(dest: Path, words: dict[str, str]) -> None:
    """Write the lexicon of a private jieba tokenizer with ``words`` added into the folder ``dest``."""
    import marisa_trie
    import jieba
    import jieba.posseg

    jieba_log = logging.getLogger("jieba")
    level = jieba_log.level
    jieba_log.setLevel(logging.WARNING)  # jieba announces its dictionary load on stderr
    try:
        tk = jieba.Tokenizer()
        tk.initialize()
    finally:
        jieba_log.setLevel(level)
    for w, tag in words.items():
        tk.add_word(w, tag=tag)
    pos = jieba.posseg.POSTokenizer(tk)
    pos.makesure_userdict_loaded()
    tags = pos.word_tag_tab
    # every word (frequency > 0) and every tagged entry; the prefixes jieba also keeps (frequency 0)
    # are the trie's own prefixes
    keys = {w for w, f in tk.FREQ.items() if f} | set(tags)
    trie = marisa_trie.Trie(keys)
    names = sorted({"x", *tags.values()})
    if len(names) > 255:
        raise ValueError("too many jieba tags for one byte")
    code = {t: i for i, t in enumerate(names)}
    freq = array("q", bytes(8 * len(trie)))
    logp = array("d", bytes(8 * len(trie)))
    tag = array("B", bytes(len(trie)))
    logtotal = log(tk.total)
    for w, i in trie.iteritems():
        freq[i] = tk.FREQ.get(w) or 0
        # the route's score of the word as jieba sums it (log(freq) - logtotal first); a word of
        # frequency 0 is never taken
        logp[i] = log(freq[i]) - logtotal if freq[i] else float("nan")
        tag[i] = code[tags.get(w, "x")]
    dest.mkdir(parents=True)
    trie.save(str(dest / "words.marisa"))
    with open(dest / "values.bin", "wb") as f:
        logp.tofile(f)
        freq.tofile(f)
        tag.tofile(f)
    # For the route, by code point: a character's term when it is cut alone (its word's, or that of
    # frequency 1 where it is no word), its tag and whether it is a word; for each pair of characters
    # (hashed into PAIR_SLOTS slots) the length of the longest word that starts with a pair in its
    # slot, 0 where none does: at about half of a text's characters no word of two characters or more
    # starts, and the route takes the character alone without asking the trie; and the same for
    # triples and the words of three characters or more: at most places where a word starts, the
    # longest is of two, and the route looks the pair up instead of all the prefixes there.
    single = array("d", [log(1) - logtotal]) * _HAN_END
    single_tag = array("B", [code["x"]]) * _HAN_END
    single_word = bytearray(_HAN_END)
    pairs = bytearray(PAIR_SLOTS)
    triples = bytearray(PAIR_SLOTS)
    longest = 0
    for w, i in trie.iteritems():
        longest = max(longest, len(w))
        if len(w) > 1:
            slot = _pair_slot(ord(w[0]), ord(w[1]))
            pairs[slot] = max(pairs[slot], len(w))
            if len(w) > 2:
                slot = _triple_slot(ord(w[0]), ord(w[1]), ord(w[2]))
                triples[slot] = max(triples[slot], len(w))
        elif ord(w) < _HAN_END:
            single_tag[ord(w)] = tag[i]
            if freq[i]:
                single[ord(w)] = logp[i]
                single_word[ord(w)] = 1
    if longest > 255:
        raise ValueError("a word too long for the pair table's bytes")
    with open(dest / "chars.bin", "wb") as f:
        single.tofile(f)
        single_tag.tofile(f)
        f.write(single_word)
    (dest / "pairs.bin").write_bytes(pairs)
    (dest / "triples.bin").write_bytes(triples)
    # the words of two characters by their pair's code (a * PAIR_MUL + b, which is never 0 and fits in
    # 32 bits): the route finds a pair's word there without asking the trie. A word sits at the first
    # free slot from its code modulo PAIR_WORD_SLOTS; the table runs on past the last slot as far as
    # a word was pushed, and one free slot more, so that a look-up ends without wrapping around.
    pair_words = [(w, i) for w, i in trie.iteritems() if len(w) == 2 and max(map(ord, w)) < _HAN_END]
    if len(pair_words) > PAIR_WORD_SLOTS // 2:
        raise ValueError("too many two-character words for the table of them")
    codes = array("I", bytes(4 * 2 * PAIR_WORD_SLOTS))
    ids = array("i", bytes(4 * 2 * PAIR_WORD_SLOTS))
    end = PAIR_WORD_SLOTS
    for w, i in pair_words:
        key = ord(w[0]) * PAIR_MUL + ord(w[1])
        h = key % PAIR_WORD_SLOTS
        while codes[h]:
            h += 1
        codes[h], ids[h] = key, i
        end = max(end, h + 1)
    with open(dest / "pairwords.bin", "wb") as f:
        codes[:end + 1].tofile(f)
        ids[:end + 1].tofile(f)
    (dest / "meta.json").write_text(json.dumps({"total": tk.total, "tags": names, "words": len(trie),
                                                "longest": longest, "pair_slots": PAIR_SLOTS,
                                                "pair_mul": PAIR_MUL, "pair_word_slots": PAIR_WORD_SLOTS,
                                                "pair_word_table": end + 1}), encoding="utf-8")


def _open_lexicon(words: dict[str, str]) -> Path:
    """The lexicon's folder in the user's cache (``extract.usercache``), built there first if missing;
    in a temporary folder, every time, when the cache cannot be written."""
    key = _lexicon_key(words)
    folder = cached(f"lexicon-{key}", partial(_build_lexicon, words=words))
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"xxgk-lexicon-{key}-")) / "lexicon"
        _build_lexicon(folder, words)
    return folder


class Tagger:
    """jieba's ``posseg.cut(text, HMM=False)`` over the lexicon; a call gives a ``Doc`` of the words.

    Channel words are one token each (``_respect_channel_words``); every token carries jieba's tag
    (``p``, ``v``, ``n``/``ns``/``nt``…; ``nchn`` a channel word, ``nnot`` a word that is not one).
    """

    def __init__(self, folder: Path) -> None:
        import marisa_trie

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self._trie = marisa_trie.Trie()
        self._trie.mmap(str(folder / "words.marisa"))
        n = meta["words"]
        view = self._mmap(folder / "values.bin")
        self._logp = view[:8 * n].cast("d")
        self._freq = view[8 * n:16 * n].cast("q")
        self._tag = view[16 * n:17 * n].cast("B")
        view = self._mmap(folder / "chars.bin")
        self._single = view[:8 * _HAN_END].cast("d")
        self._single_tag = view[8 * _HAN_END:9 * _HAN_END]
        self._single_word = view[9 * _HAN_END:10 * _HAN_END]
        self._pairs = self._mmap(folder / "pairs.bin")
        self._triples = self._mmap(folder / "triples.bin")
        view, size = self._mmap(folder / "pairwords.bin"), meta["pair_word_table"]
        self._pair_codes = view[:4 * size].cast("I")
        self._pair_ids = view[4 * size:8 * size].cast("i")
        self._pair_word_slots = meta["pair_word_slots"]
        self._pair_slots, self._pair_mul = meta["pair_slots"], meta["pair_mul"]
        self._tags = tuple(meta["tags"])

    @staticmethod
    def _mmap(path: Path) -> memoryview:
        with open(path, "rb") as f:
            return memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))

    def is_word(self, s: str) -> bool:
        """``s`` is a word of the dictionary."""
        i = self._id(s)
        return i is not None and self._freq[i] > 0

    def _id(self, s: str) -> int | None:
        try:
            return self._trie.get(s)
        except UnicodeEncodeError:      # a lone surrogate: no word of the dictionary
            return None

    def tag(self, word: str) -> str:
        i = self._id(word)
        return "x" if i is None else self._tags[self._tag[i]]

    def cut(self, text: str) -> list[tuple[str, str]]:
        """(word, tag) pairs as ``jieba.posseg.POSTokenizer.cut(text, HMM=False)`` gives them."""
        return [(text[a:b], t) for a, b, t in self.spans(text)]

    def spans(self, text: str, read: list[int] | None = None) -> list[tuple[int, int, str]]:
        """``cut`` as (start, end, tag) of each word in ``text``; with ``read`` (offsets in ascending
        order), only the Han blocks (runs of ``HAN_CHAR``) holding one of them are cut, and each
        other block is one token tagged ``x``.

        jieba splits the text into Han blocks and single characters (``\r\n`` whole), tags each of
        those ``x`` (its m/eng tests there never match, since the Han blocks take every ASCII letter,
        digit and '.'), and cuts each block by its DAG and maximum-probability route
        (``__cut_DAG_NO_HMM``). jieba builds a block's whole DAG, then the route from the right; here
        each position's words are looked up as the route reaches it (the route only looks right),
        and the route keeps the chosen word's id for its tag. Scores are summed in jieba's order, and
        ties go to the longer word as in jieba's ``max`` over (score, end) tuples, so the route is
        jieba's to the bit. Where the pair table says that no word of two characters or more starts
        at a position (about half of them), the character is the only word there, read from the
        character table; where the triple table says that none of three or more does (most of the
        rest), the words there are the character and the pair, if they are words (the pair's from
        a table of the two-character words); elsewhere the
        words are the prefixes of the next characters, as long as the longest word of the triple's
        slot, found in the trie. The work is per text, not per block (a block is nine characters on
        average): the lists and look-ups are set up once.
        """
        out: list[tuple[int, int, str]] = []
        n = len(text)
        codes = [*map(ord, text)]
        prefixes, logp = self._trie.iter_prefixes_with_ids, self._logp
        pair_codes, pair_ids, pair_word_slots = self._pair_codes, self._pair_ids, self._pair_word_slots
        single, single_word = self._single, self._single_word
        pairs, triples, slots, mul = self._pairs, self._triples, self._pair_slots, self._pair_mul
        tag, names, single_tag = self._tag, self._tags, self._single_tag
        score = [0.0] * (n + 1)
        nxt = list(range(1, n + 1))                 # the character alone, unless a word is found
        ids = [-1] * n
        if read is not None:
            read = [*read, n]                       # no block holds n: the walk below stops there
        j = 0
        for m in _RE_PIECE.finditer(text):
            a, e = m.span()
            if m.lastgroup != "han":
                out.append((a, e, "x"))
                continue
            if read is not None:
                while read[j] < a:
                    j += 1
                if read[j] >= e:                    # a block no one reads: left whole
                    out.append((a, e, "x"))
                    continue
            # the route of the block, from its end (a score of 0, at a character of no block or at the
            # end of the text): the last character can only be a word alone
            score[e] = 0.0
            score[e - 1] = single[codes[e - 1]] + score[e]
            for k in range(e - 2, a - 1, -1):
                c = codes[k]
                pair = c * mul + codes[k + 1]
                longest = pairs[pair % slots]       # _pair_slot, inline
                if not longest:
                    score[k] = single[c] + score[k + 1]
                    continue
                if longest > 2:                     # _triple_slot, inline
                    longest = triples[(pair * mul + codes[k + 2]) % slots] if k + 2 < e else 0
                if longest > 2:
                    best = _NO_WORD
                    stop = k + longest if k + longest < e else e
                    for w, i in prefixes(text[k:stop]):      # shortest first: later ones win ties
                        x = k + len(w)
                        s = logp[i] + score[x]
                        if s >= best:               # never for a word of frequency 0 (NaN)
                            best, nxt[k], ids[k] = s, x, i
                else:                               # the character and the pair, as prefixes would give
                    best = single[c] + score[k + 1] if single_word[c] else _NO_WORD
                    h = pair % pair_word_slots      # the pair's word, if it is one (see _build_lexicon)
                    while (found := pair_codes[h]) and found != pair:
                        h += 1
                    if found:
                        i = pair_ids[h]
                        s = logp[i] + score[k + 2]
                        if s >= best:
                            best, nxt[k], ids[k] = s, k + 2, i
                if best == _NO_WORD:                # no word here: the character alone, frequency 1
                    best = single[c] + score[k + 1]
                score[k] = best
            # the words along the route, a run of single letters/digits as one
            x = a
            eng = -1                                # where a run of single letters/digits began
            while x < e:
                y = nxt[x]
                if y - x > 1:                       # a word: its tag
                    if eng >= 0:
                        out.append((eng, x, "eng"))
                        eng = -1
                    out.append((x, y, names[tag[ids[x]]]))
                elif codes[x] in _ENG1_CODES:
                    if eng < 0:
                        eng = x
                else:                               # a character alone: its own tag (its word's, or x)
                    if eng >= 0:
                        out.append((eng, x, "eng"))
                        eng = -1
                    out.append((x, y, names[single_tag[codes[x]]]))
                x = y
            if eng >= 0:
                out.append((eng, e, "eng"))
        return out

    def __call__(self, text: str, read: Iterable[int] | None = None) -> Doc:
        """The Doc of ``text``. With ``read`` (offsets), only the Han blocks that hold one of them or
        a channel word are cut (``spans``): a caller that reads the words of no other block (it
        never reads the words of a block that holds no channel word, which has no entity, and
        token indices keep their order) need not have them cut."""
        # a lone surrogate (broken input): one replacement character instead keeps every offset
        text = _SURROGATE.sub("\ufffd", text)
        hidden = [m.span() for m in _HIDDEN.finditer(text)]
        if read is not None:
            # a block that holds a channel word holds the start of one of these matches (none crosses
            # a block's edge, and the scan tries every position of a block until one matches)
            read = sorted([*read, *(a for a, _ in hidden)])
        return Doc(text, _respect_channel_words(text, self.spans(text, read), hidden))


# -- a Doc of tokens, channel entities and quoted spans -------------------------------------
#
# What the channel reader needs of a spaCy Doc, with the same meaning: tokens (text, idx, tag_,
# ent_type_), ``doc[i:j]`` spans, ``doc.ents`` as spaCy's EntityRuler sets them from phrase
# patterns (all matches, longest first then leftmost, none overlapping a kept one) and
# ``doc.spans["quoted"]`` as a SpanRuler with the token pattern ``OPEN (not CLOSE/，。；⏎)+ CLOSE``
# finds them (every match, by start).


class Token:
    __slots__ = ("doc", "i", "text", "idx", "tag_")

    def __init__(self, doc: Doc, i: int) -> None:
        a, b, tag = doc.cuts[i]
        self.doc, self.i, self.text, self.idx, self.tag_ = doc, i, doc.text[a:b], a, tag

    @property
    def ent_type_(self) -> str:
        return self.doc.ent_types[self.i]

    def __repr__(self) -> str:
        return self.text


class Span:
    __slots__ = ("doc", "start", "end", "label_", "ent_id_", "start_char", "end_char")

    def __init__(self, doc: Doc, start: int, end: int, label: str = "", ent_id: str = "") -> None:
        self.doc, self.start, self.end, self.label_, self.ent_id_ = doc, start, end, label, ent_id
        # a Doc's tokens never change: the character offsets are worked out once (the channel
        # reader asks for them many times a span)
        cuts = doc.cuts
        self.start_char = cuts[start][0] if start < len(cuts) else len(doc.text)
        self.end_char = cuts[end - 1][1] if end > start else self.start_char

    @property
    def text(self) -> str:
        return self.doc.text[self.start_char:self.end_char] if self.end > self.start else ""

    def __len__(self) -> int:
        return max(0, self.end - self.start)

    def __iter__(self):
        return map(self.doc.__getitem__, range(self.start, self.end))

    def __repr__(self) -> str:
        return self.text


class Doc:
    """The tagger's cuts of ``text`` as tokens. A Token is made when it is first asked for: the
    channel reader looks at the few tokens around each channel word, and a report's Doc has a
    hundred or more (making them all was a fifth of the tagger's time)."""

    __slots__ = ("text", "cuts", "ent_types", "_tokens", "ents", "spans")

    def __init__(self, text: str, cuts: list[tuple[int, int, str]]) -> None:
        self.text = text
        self.cuts = cuts                            # (start, end, tag) of each token
        self.ent_types = [""] * len(cuts)           # each token's entity label ("CHANNEL" or "")
        self._tokens: list[Token | None] = [None] * len(cuts)
        self.ents: tuple[Span, ...] = ()
        self.spans: dict[str, list[Span]] = {}

    @property
    def tokens(self) -> list[Token]:
        return [self[i] for i in range(len(self.cuts))]

    def __len__(self) -> int:
        return len(self.cuts)

    def __iter__(self):
        return map(self.__getitem__, range(len(self.cuts)))

    def __getitem__(self, i):
        if isinstance(i, slice):
            r = range(len(self.cuts))[i]
            return Span(self, r.start, max(r.start, r.stop))
        tok = self._tokens[i]
        if tok is None:
            i = range(len(self.cuts))[i]            # a negative index as it counts from the end
            tok = self._tokens[i] = Token(self, i)
        return tok


class ChannelPipeline:
    """Text → ``Doc`` with channel entities (label ``CHANNEL``, ``ent_id_`` the channel type) and
    quoted spans; ``.tokenizer`` is the ``Tagger``."""

    def __init__(self, tagger: Tagger) -> None:
        self.tokenizer = tagger
        # a phrase pattern is the word as the tagger cuts it (one token: it is in the dictionary)
        self._patterns: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for kind, ws in CHANNEL_WORDS.items():
            for w in ws:
                seq = tuple(t.text for t in tagger(w))
                if seq:
                    self._patterns.setdefault(seq[0], []).append((seq, kind))

    def __call__(self, text: str, read: Iterable[int] | None = None) -> Doc:
        """The Doc of ``text``; with ``read``, only the Han blocks that hold one of these offsets or
        a channel word are cut (``Tagger.__call__``): the caller reads no other block's words."""
        doc = self.tokenizer(text, read)
        words = [text[a:b] for a, b, _ in doc.cuts]
        n = len(words)
        # the tokens that may open a pattern or a quote are picked out in C (compress/map): a report's
        # Doc has a hundred tokens or more and a handful of channel words and quotes
        patterns = self._patterns
        matches: dict[tuple[int, int], str] = {}
        for i in compress(range(n), map(patterns.__contains__, words)):
            for seq, kind in patterns[words[i]]:
                if tuple(words[i:i + len(seq)]) == seq:
                    matches.setdefault((i, i + len(seq)), kind)
        seen: set[int] = set()
        ents = []
        for (start, end), kind in sorted(matches.items(), key=lambda m: (m[0][1] - m[0][0], -m[0][0]),
                                         reverse=True):
            if start not in seen and end - 1 not in seen:
                ents.append(Span(doc, start, end, "CHANNEL", kind))
                seen.update(range(start, end))
        ents.sort(key=lambda e: e.start)
        ent_types = doc.ent_types
        for e in ents:
            ent_types[e.start:e.end] = ["CHANNEL"] * (e.end - e.start)
        doc.ents = tuple(ents)
        quoted = []
        for i in compress(range(n), map(_OPEN.__contains__, words)):
            j = i + 1
            while j < n and words[j] not in _INSIDE_STOP:
                j += 1
            if i + 1 < j < n and words[j] in _CLOSE:
                quoted.append(Span(doc, i, j + 1, "QUOTED"))
        doc.spans["quoted"] = quoted
        return doc


_OPEN = frozenset(QUOTE_OPEN)
_CLOSE = frozenset(QUOTE_CLOSE)
_INSIDE_STOP = frozenset(QUOTE_CLOSE) | {"，", "。", "；", "\n"}

def _respect_channel_words(text: str, toks: list[tuple[int, int, str]],
                           hidden: list[tuple[int, int]] | None = None) -> list[tuple[int, int, str]]:
    """Re-cut jieba's tokens so that a channel word found in the text by pattern is one token:
    jieba may hide channel words inside a compound of them (电视广播) or cut across one at the
    end of a phrase (村务公开|栏). Words of the private dictionary (channel words, and the words
    that are not channels: 栏目) are left as cut, and so is a cut that would split a word of the
    text in two (每日|报送 holds no 日报). ``hidden``: the spans of ``_HIDDEN``'s matches in the text
    where the caller has them."""
    if hidden is None:
        hidden = [m.span() for m in _HIDDEN.finditer(text)]
    whole = {(s, e) for s, e, t in toks if t == "nchn"}
    for a, b in hidden:
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


_PIPELINE: ChannelPipeline | None = None


def prepare() -> Path:
    """Make sure the lexicon is in the cache (building it takes a few seconds, once after a change
    of jieba or of the word lists); its folder. A batch calls this before starting its workers."""
    return _open_lexicon(lexicon_words())


def channel_pipeline() -> ChannelPipeline:
    """The shared pipeline (loaded on first use, once per process; thread-safe)."""
    global _PIPELINE
    if _PIPELINE is None:
        with _lock:
            if _PIPELINE is None:
                _PIPELINE = ChannelPipeline(Tagger(_open_lexicon(lexicon_words())))
    return _PIPELINE
