"""Text analysis shared by indexing and querying: jieba words, pinyin, script and synonym normalisation.

The same user dictionary is loaded for both sides, so a word such as 到账 is one token in the index
and in the query alike.
"""
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
import opencc
import yaml
from pypinyin import lazy_pinyin
from whoosh.analysis import LowercaseFilter, StopFilter, Token, Tokenizer

STOP_WORDS = frozenset("""
的 了 吗 呢 啊 吧 呀 哦 嘛 我 你 您 他 她 它 我们 是 在 和 与 及 或 把 给 让 就 都 也 还 又 很 太 这 那 这个 那个
怎么 怎么办 怎样 如何 什么 为什么 为啥 咋 咋办 请问 一下 可以 能 能不能 要 想 会 有 没法 该 应该 吗 么 啦 呗 得 着 过
知道 下来 现在 当时 已经 然后 因为 所以 但是 可是 就是 还是 这样 那样 这种 那种 时候 觉得 感觉 其实 好像 自己 我的
你们 他们 之前 之后 一个 一些 这些 那些 还有 而且 或者 如果 的话 刚才 今天 昨天 前天 上周 到现在 一下子 被 已
是不是 不是 是否 会不会 有没有 可不可以 行不行 能否 对不对
a an the to of in on for is are was be do does did i my me it how what why can with and or not
""".split())
_PUNCTUATION = re.compile(r"^[\W_]+$", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_converter = opencc.OpenCC("t2s")
_jieba_lock = threading.Lock()
_prepared = set()


def prepare_jieba(content_dir, cache_dir):
    """Load jieba's dictionary once per process, with the domain words; cache under the data dir."""
    key = (str(content_dir), str(cache_dir))
    with _jieba_lock:
        if key in _prepared:
            return
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        jieba.setLogLevel(60)
        jieba.dt.tmp_dir = str(cache_dir)
        jieba.initialize()
        jieba.load_userdict(str(Path(content_dir) / "userdict.txt"))
        for group in load_synonyms(content_dir):
            for word in group:
                if _HAN.search(word):
                    jieba.add_word(word, freq=1000)
        _prepared.add(key)


@lru_cache(maxsize=8)
def _load_synonyms_cached(path, mtime):
    groups = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("groups", [])
    return tuple(tuple(str(word).lower() for word in group) for group in groups)


def load_synonyms(content_dir):
    """Return the synonym groups from content/synonyms.yaml as tuples of lower-case words."""
    path = Path(content_dir) / "synonyms.yaml"
    return _load_synonyms_cached(str(path), path.stat().st_mtime)


def normalize(text):
    """Fold width, case and traditional characters: 帳號被盜 -> 帐号被盗， ＴＵＩ -> tui."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    return _converter.convert(text)


def strip_stop_phrases(text, phrases):
    """Drop the noise people type around a question (请问, 到底, 气死了); keep `text` if nothing would be left.

    A phrase only goes where it starts and ends on word boundaries, so 服了 stays inside 客服了.
    """
    present = sorted((p for p in phrases if p in text), key=len, reverse=True)
    if not present:
        return text
    boundaries = {0}
    position = 0
    for word in jieba.cut(text):
        position += len(word)
        boundaries.add(position)
    keep = [True] * len(text)
    for phrase in present:
        start = text.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if start in boundaries and end in boundaries and all(keep[start:end]):
                keep[start:end] = [False] * len(phrase)
            start = text.find(phrase, start + 1)
    cleaned = "".join(c if kept else " " for c, kept in zip(text, keep))
    return cleaned if words(cleaned) else text


def words(text):
    """Segment for search (long words also yield their parts), dropping stop words and punctuation."""
    return list(_words(text))


@lru_cache(maxsize=8192)
def _words(text):
    # Planning segments the same few phrasings several times per query; jieba is the slowest step of it.
    return tuple(w for w in jieba.cut_for_search(text) if is_meaningful(w))


def segments(text):
    """Every word of `text` in search mode, stop words included (they still mark where words are)."""
    return [word for word, _, _ in _query_segments(text)]


@lru_cache(maxsize=8192)
def _query_segments(text):
    """(word, start, end) of a query-time text: the phrasings of one query (and the synonyms every query shares)
    are segmented several times while it is planned, and jieba is the slowest step of planning."""
    return tuple((word, start, end) for word, start, end in jieba.tokenize(text, mode="search")
                 if word.strip() and not _PUNCTUATION.match(word))


def has_han(text):
    """Tell whether `text` contains a Chinese character."""
    return bool(_HAN.search(text))


def everyday_frequency(word):
    """How often `word` occurs in Chinese at large (jieba's dictionary count; domain words are set to 1000–3000)."""
    return jieba.dt.FREQ.get(word, 0)


def is_dictionary_word(word):
    """Tell whether jieba's dictionary (domain words included) knows `word`."""
    return jieba.dt.FREQ.get(word, 0) > 0


def is_meaningful(word):
    word = word.strip().lower()
    return bool(word) and word not in STOP_WORDS and not _PUNCTUATION.match(word)


def expand_synonyms(text, groups):
    """Return the phrasings to search besides `text`: the other members of each group it mentions."""
    return [phrase for _, others in synonym_matches(text, groups) for phrase in others]


def synonym_matches(text, groups):
    """Return [(members `text` mentions, the group's other members)] for each group it mentions."""
    matches = []
    for group in groups:
        mentioned = [member for member in group if _mentions(text, member)]
        if mentioned:
            matches.append((mentioned, [member for member in group if member not in mentioned]))
    return matches


def _mentions(text, member):
    if member.isascii():
        return re.search(rf"\b{re.escape(member)}\b", text) is not None
    return len(member) >= 2 and member in text


def pinyin_keys(word):
    """Full pinyin and initials of a Chinese word: 退款 -> ["tuikuan", "tk"]."""
    if not _HAN.search(word):
        return []
    syllables = lazy_pinyin(word, errors="ignore")
    if not syllables:
        return []
    return ["".join(syllables), "".join(s[0] for s in syllables)]


def han_windows(text, sizes=(2, 3, 4)):
    """Yield every run of 2–4 consecutive Chinese characters, for homophone lookups."""
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        for size in sizes:
            for start in range(len(run) - size + 1):
                yield run[start:start + size]


@lru_cache(maxsize=4096)
def pinyin_of(text):
    """Concatenated toneless pinyin of the Chinese characters in `text`."""
    return "".join(lazy_pinyin(text, errors="ignore"))


class JiebaTokenizer(Tokenizer):
    """Whoosh tokenizer over jieba's search-mode segmentation, with character offsets for highlighting."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        found = _query_segments(value) if mode == "query" else jieba.tokenize(value, mode="search")
        for word, start, end in found:
            if not word.strip() or _PUNCTUATION.match(word):
                continue
            token.original = token.text = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = position
                position += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def chinese_analyzer():
    """The analyzer for Chinese fields, identical at index and query time."""
    return JiebaTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)
