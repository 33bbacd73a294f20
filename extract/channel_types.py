"""The channel types of ``../shared/schema.md``: one table, from which everything else derives.

Each row is one ``type`` a publication channel may have, with everything the toolkit
knows about it:

* ``description`` / ``brief`` — what the type covers, for the prompt: the system prompt
  of ``narrative.v1`` lists ``key（description）`` joined by 、 (``$channel_types``), the
  shorter ``narrative.v2`` ``key brief`` joined by ； (``$channel_types_brief``);
* ``words`` — the rule extractor's lexicon (``narrative.nlp``): each word is one token and
  one EntityRuler pattern labelled with the type; longer words win over their parts;
* ``cues`` — a sentence of sections 一/六 (or the opening lines) holding one of these is
  sent to the model (``narrative.prompting``);
* ``grounding`` — the phrases, tried in order, that ground a channel the model gave
  without a name (``narrative.grounding``);
* ``generic`` — names that name no particular medium: as a name they count as ``null``
  when scoring (``evaluation.scoring``);
* how the rule extractor names a mention (``narrative.channels``): ``account`` (a platform
  account: named by a quoted, bracketed or unquoted account name, never by a phrase; the
  same name on two platforms is two entries), ``phrase_names`` (else named by the noun
  phrase that ends in the word), ``quoted_names`` (a quoted name before or around the word
  names it), ``category`` (a mention without a name is the category of a named medium of
  the type, not an entry of its own), ``unnamed_words`` (bare, these words name nothing).

The order of the rows is the order of the answer schema's enum and of the prompt's list.
Adding a type is one row here (and tests). It changes what every prompt version renders
and the answer schema sent to the model, so the pinned renderings
(``tests/golden/narrative.v*.rendered.txt``) fail until reviewed; the answer cache's key holds
a digest of the rendered prompt and schema, so no answer made without the new type is reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class ChannelKind:
    key: str
    description: str
    brief: str
    words: tuple[str, ...]
    cues: tuple[str, ...]
    grounding: tuple[str, ...]
    generic: tuple[str, ...] = ()
    account: bool = False
    phrase_names: bool = True
    quoted_names: bool = True
    category: bool = False
    unnamed_words: tuple[str, ...] = ()


_PLATFORM = dict(account=True, phrase_names=False, category=True)

CHANNEL_TYPES: tuple[ChannelKind, ...] = (
    ChannelKind(
        "website", "政府网站、门户网站、信息公开网站/专栏/平台", "网站/门户/公开专栏",
        words=("信息公开网站", "门户网站", "人民政府网站", "人民政府网", "政府网站", "政务网", "门户网", "官方网站",
               "官网", "信息公开专栏", "信息公开平台", "政务公开专栏", "网站"),
        cues=("网站", "网页", "门户", "官网"),
        grounding=("网站", "门户", "网页"),
        generic=("网站", "政府网站", "门户网站", "政府门户网站", "政务网站", "信息公开网站", "信息公开专栏",
                 "信息公开平台", "政务公开专栏", "官网", "官方网站"),
        category=True, unnamed_words=("网站",)),
    ChannelKind(
        "wechat", "微信公众号", "微信公众号",
        words=("微信公众号", "微信公众平台", "官方公众号", "政务公众号", "公众号", "微信号", "服务号", "订阅号",
               "政务微信", "官方微信", "微信"),
        cues=("公众号", "微信"),
        grounding=("公众号", "微信"),
        generic=("微信", "微信公众号", "公众号", "微信公众平台", "政务微信", "官方微信"),
        **_PLATFORM),
    ChannelKind(
        "wechat_channels", "微信视频号", "视频号",
        words=("微信视频号", "视频号"),
        cues=("视频号",),
        grounding=("视频号",),
        generic=("视频号", "微信视频号"),
        **_PLATFORM),
    ChannelKind(
        "weibo", "微博", "微博",
        words=("新浪微博", "政务微博", "官方微博", "微博"),
        cues=("微博",),
        grounding=("微博",),
        generic=("微博", "政务微博", "官方微博"),
        **_PLATFORM),
    ChannelKind(
        "short_video", "抖音、快手等", "抖音/快手",
        words=("抖音号", "抖音", "快手号", "快手"),
        cues=("抖音", "快手", "短视频"),
        grounding=("抖音", "快手", "短视频"),
        generic=("抖音", "快手", "抖音号", "快手号", "短视频", "短视频平台"),
        **_PLATFORM),
    ChannelKind(
        "app", "政务APP、小程序、客户端", "APP/小程序/客户端",
        words=("政务APP", "政务App", "移动客户端", "客户端", "小程序", "APP", "App", "app"),
        cues=("客户端", "APP", "App", "小程序"),
        grounding=("APP", "App", "app", "客户端", "小程序"),
        generic=("APP", "政务APP", "客户端", "移动客户端", "小程序"),
        **_PLATFORM),
    ChannelKind(
        "print", "报纸、政府公报、期刊", "报纸/公报/期刊",
        words=("日报", "晚报", "政府公报", "公报", "报纸", "报刊", "期刊", "杂志"),
        cues=("报纸", "日报", "晚报", "公报", "期刊", "杂志", "时报"),
        grounding=("报纸", "日报", "晚报", "公报", "期刊", "杂志"),
        generic=("报纸", "报刊", "期刊", "杂志", "公报", "政府公报"),
        category=True, unnamed_words=("日报", "公报")),
    ChannelKind(
        "broadcast", "广播、电视", "广播/电视",
        words=("广播电视台", "广播电台", "电视台", "广播电视", "电台", "广播", "电视"),
        cues=("广播", "电视", "电台"),
        grounding=("广播", "电视", "电台"),
        generic=("广播", "电视", "电台", "电视台", "广播电视", "广播电台", "电视广播"),
        category=True),
    ChannelKind(
        "press_conference", "新闻发布会", "发布会",
        words=("新闻发布会", "发布会", "新闻通气会", "媒体通气会", "通气会", "吹风会", "媒体见面会"),
        cues=("发布会", "通气会", "吹风会", "见面会"),
        grounding=("发布会",),
        generic=("新闻发布会", "发布会", "新闻通气会", "通气会"),
        quoted_names=False, category=True),
    ChannelKind(
        "onsite", "公示栏、公开栏、查阅点、电子屏、现场活动", "公示栏/公开栏/查阅点/电子屏",
        words=("政务公开栏", "信息公开栏", "公开栏", "公示栏", "公告栏", "宣传栏", "查阅点", "查阅室", "查阅场所",
               "阅览室", "档案馆", "图书馆", "电子屏", "显示屏", "LED屏", "政务公开专区", "信息公开专区",
               "公开服务点", "办事窗口", "服务窗口", "现场宣传活动", "现场咨询活动", "现场活动", "宣传活动"),
        cues=("公示栏", "公开栏", "宣传栏", "查阅点", "查阅室", "电子屏", "显示屏", "查阅场所", "档案馆", "图书馆",
              "办事大厅", "窗口", "宣传活动"),
        grounding=("公示栏", "公开栏", "宣传栏", "查阅点", "查阅室", "电子屏", "显示屏", "现场"),
        generic=("公示栏", "公开栏", "公告栏", "宣传栏", "查阅点", "查阅室", "查阅场所", "电子屏", "显示屏"),
        quoted_names=False),
    ChannelKind(
        "new_media", "未指明平台的政务新媒体", "未指明平台的政务新媒体",
        words=("政务新媒体", "新媒体"),
        cues=("新媒体",),
        grounding=("新媒体",),
        generic=("政务新媒体", "新媒体"),
        phrase_names=False, quoted_names=False),
    ChannelKind(
        "other_platform", "其他有名称的网上平台，如信用信息平台", "其他有名称的平台",
        words=("信用信息共享平台", "信用信息公示系统", "信用中国", "公共资源交易平台", "公共资源交易网",
               "政府采购网", "采购网", "政务服务网", "政务服务平台", "网上办事大厅", "头条号", "今日头条", "学习强国"),
        cues=("平台", "头条号"),
        grounding=("平台",)),
)

CHANNEL_TYPE_KEYS: tuple[str, ...] = tuple(t.key for t in CHANNEL_TYPES)

#: The type of a channel: one of ``CHANNEL_TYPE_KEYS`` (a ``Literal`` made from the table).
ChannelType = Literal[CHANNEL_TYPE_KEYS]  # type: ignore[valid-type]


def channel_kind(key: str) -> ChannelKind:
    """The row of ``key``; ``KeyError`` naming the known types if there is none."""
    for t in CHANNEL_TYPES:
        if t.key == key:
            return t
    raise KeyError(f"unknown channel type {key!r} (known: {', '.join(CHANNEL_TYPE_KEYS)})")


def types_where(flag: str) -> frozenset[str]:
    """The keys of the types whose boolean ``flag`` (``account``, ``category``...) is set."""
    return frozenset(t.key for t in CHANNEL_TYPES if getattr(t, flag))


def prompt_lists() -> dict[str, str]:
    """The type lists a prompt file may hold: ``$channel_types`` and ``$channel_types_brief``."""
    return {
        "channel_types": "、".join(f"{t.key}（{t.description}）" for t in CHANNEL_TYPES),
        "channel_types_brief": "；".join(f"{t.key} {t.brief}" for t in CHANNEL_TYPES),
    }
