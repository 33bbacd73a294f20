"""The narrative's tagger is jieba, and its Doc is the spaCy Doc it replaced.

``extract.narrative.nlp`` cuts text over a memory-mapped lexicon instead of loading jieba's
dictionary, and builds a small Doc instead of running spaCy (a second of import, ~150 MB a
process). These tests hold it to the real thing on every line of the reports in eval/ and on
edge cases: jieba's ``posseg.cut(HMM=False)`` on a private tokenizer with the channel words
added, and ``spacy.blank("zh")`` with the EntityRuler and SpanRuler the reader used before.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extract.narrative import nlp

REPO = Path(__file__).resolve().parent.parent
EDGES = ["“a“b”", '"a"b"c"', "《》", "“”", "《焦作日报》", "在区政府信息公开网站发布", "微信 微博 QQ空间", "APP和app",
         "电视广播", "村务公开栏", "每日报送", "x\ud800y", "", "  ", "\r\n", "１２３ａｂｃ", "abc.def_123+#&", "政务APP客户端",
         "“焦作城管”官方微信视频号和抖音号", "某某电视台《政务直通车》栏目", "“信用中国（某某）”网站", "电⏎子屏", "A1b2 3.5%"]


def _texts() -> list[str]:
    out = list(EDGES)
    for f in sorted((REPO / "eval").rglob("*")):
        if f.suffix in (".txt", ".md"):
            lines = f.read_text(encoding="utf-8", errors="replace").split("\n")
            out += [line for line in lines if line.strip()]
            out += ["\n".join(lines[i:i + 5]) for i in range(0, len(lines), 20)]  # line breaks inside
    return out


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


@pytest.fixture(scope="module")
def jieba_pos():
    """jieba's own tagger over a private tokenizer with the channel words, as the lexicon is built."""
    import jieba
    import jieba.posseg

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for w, tag in nlp.lexicon_words().items():
        tk.add_word(w, tag=tag)
    return jieba.posseg.POSTokenizer(tk)


def test_the_tagger_cuts_and_tags_as_jieba_does(texts, jieba_pos):
    tagger = nlp.channel_pipeline().tokenizer
    assert len(texts) > 2500
    for t in texts:
        assert tagger.cut(t) == [(p.word, p.flag) for p in jieba_pos.cut(t, HMM=False)], t


def test_is_word_is_jiebas_dictionary(texts, jieba_pos):
    tagger = nlp.channel_pipeline().tokenizer
    freq = jieba_pos.tokenizer.FREQ
    pieces = {t[i:i + k] for t in texts[:3000] for i in range(0, len(t), 2) for k in (1, 2, 3, 4)}
    assert [p for p in pieces if tagger.is_word(p) != bool(freq.get(p))] == []


def _spacy_pipeline(jieba_pos):
    """The pipeline the channel reader used before: spacy.blank("zh") over the private jieba tagger,
    an EntityRuler of the channel words (phrase patterns on ORTH) and a SpanRuler of quoted names."""
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import Doc

    class JiebaTokenizer:
        def __init__(self, vocab) -> None:
            self.vocab = vocab

        def __call__(self, text: str) -> Doc:
            text = nlp._SURROGATE.sub("\ufffd", text)
            toks, pos = [], 0
            for p in jieba_pos.cut(text, HMM=False):
                toks.append((pos, pos + len(p.word), p.flag))
                pos += len(p.word)
            toks = nlp._respect_channel_words(text, toks)
            return Doc(self.vocab, words=[text[a:b] for a, b, _ in toks], spaces=[False] * len(toks),
                       tags=[t for _, _, t in toks] or None)

    ref = spacy.blank("zh")
    ref.tokenizer = JiebaTokenizer(ref.vocab)
    ruler = ref.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    ruler.add_patterns([{"label": "CHANNEL", "id": kind, "pattern": w}
                        for kind, ws in nlp.CHANNEL_WORDS.items() for w in ws])
    quotes = ref.add_pipe("span_ruler", config={"spans_key": "quoted"})
    quotes.add_patterns([{"label": "QUOTED", "pattern": [
        {"ORTH": {"IN": list(nlp.QUOTE_OPEN)}},
        {"ORTH": {"NOT_IN": list(nlp.QUOTE_CLOSE) + ["，", "。", "；", "\n"]}, "OP": "+"},
        {"ORTH": {"IN": list(nlp.QUOTE_CLOSE)}},
    ]}])
    return ref


def _view(doc) -> tuple:
    return ([(t.i, t.text, t.idx, t.tag_, t.ent_type_) for t in doc],
            [(e.start, e.end, e.start_char, e.end_char, e.label_, e.ent_id_, e.text) for e in doc.ents],
            [(q.start, q.end, q.start_char, q.end_char, q.text) for q in doc.spans["quoted"]],
            doc.text)


def test_the_doc_is_the_spacy_doc_it_replaced(texts, jieba_pos):
    ref = _spacy_pipeline(jieba_pos)
    ours = nlp.channel_pipeline()
    checked = 0
    for t in texts:
        want, got = _view(ref(t)), _view(ours(t))
        assert got == want, t
        checked += bool(want[1] or want[2])
    assert checked > 300        # many texts with channel words or quoted names


def test_a_doc_cut_where_read_has_the_same_entities_and_quotes(texts):
    """With ``read``, the Han blocks that hold a channel word or one of its offsets are cut as in
    the whole Doc, and each other block is one token tagged x."""
    ours = nlp.channel_pipeline()
    left_whole = 0
    for t in texts:
        t = nlp._SURROGATE.sub("\ufffd", t)
        full = ours(t)
        read = [m.start() + 1 for m in re.finditer("[“《]", t)]        # the block after an opening quote
        doc = ours(t, read)
        whole = {}                  # the first character of each block left whole: its end
        for m in re.finditer(f"{nlp.HAN_CHAR}+", t):
            if not (nlp._HIDDEN.search(t, *m.span()) or any(m.start() <= r < m.end() for r in read)):
                whole[m.start()] = m.end()
        want = []
        for a, b, tag in full.cuts:
            if a in whole:
                want.append((a, whole[a], "x"))
            elif not (want and want[-1][2] == "x" and want[-1][0] in whole and a < want[-1][1]):
                want.append((a, b, tag))
        assert doc.cuts == want, t
        assert [(e.start_char, e.end_char, e.ent_id_) for e in doc.ents] == \
            [(e.start_char, e.end_char, e.ent_id_) for e in full.ents]
        assert [(q.start_char, q.end_char) for q in doc.spans["quoted"]] == \
            [(q.start_char, q.end_char) for q in full.spans["quoted"]]
        left_whole += len(whole)
    assert left_whole > 1000


def test_doc_slices_read_as_spacy_spans():
    doc = nlp.channel_pipeline()("在区政府信息公开网站发布")
    assert [t.text for t in doc] == ["在", "区政府", "信息公开网站", "发布"]
    assert doc[1:3].text == "区政府信息公开网站" and doc[2:2].text == "" and doc[-1].text == "发布"
    assert [(e.text, e.label_, e.ent_id_, e.start_char, e.end_char) for e in doc.ents] == \
        [("信息公开网站", "CHANNEL", "website", 4, 10)]


def test_the_lexicon_is_built_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_CACHE_DIR", str(tmp_path))
    words = {"某某测试词": "nchn"}
    first = nlp._open_lexicon(words)
    stamp = (first / "words.marisa").stat().st_mtime_ns
    assert nlp._open_lexicon(words) == first and (first / "words.marisa").stat().st_mtime_ns == stamp
    assert nlp.Tagger(first).cut("在某某测试词上") == [("在", "p"), ("某某测试词", "nchn"), ("上", "f")]
    assert [p.name for p in tmp_path.iterdir()] == [first.name]
    assert nlp._lexicon_key({"另一个词": "nchn"}) not in first.name     # other words: another lexicon


def test_an_unwritable_cache_still_gives_a_lexicon(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XXGK_CACHE_DIR", str(blocked / "cache"))
    folder = nlp._open_lexicon({"某某测试词": "nchn"})
    assert nlp.Tagger(folder).is_word("某某测试词")


def test_loading_the_tagger_imports_neither_jieba_nor_spacy():
    nlp.channel_pipeline()          # the lexicon is in the cache now
    code = ("import sys, extract.narrative.nlp as n; n.channel_pipeline()('在县政府网站发布');"
            "print(sorted(m for m in ('jieba', 'spacy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.stdout.strip() == "[]"
