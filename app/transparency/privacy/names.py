"""Names."""
import re

from app.transparency.privacy.hits import Hit
from app.transparency.privacy.shadow import HAN
from app.transparency.privacy.addresses import PLACES


_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢"
    "劳谌奚皮粟冼蔺楼盘满闻厉伊仝郜阚花权帅屠朴盖练廉禹井祖漆巴丰支卿狄计索宣晋相初云容敬扈晁芮普阙浦戈伏鹿薄邸雍"
    "辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇哈湛宾戎勾茅利於呼居揭干但尉冶斯束檀衣展阴昝智幸奉植衡富尧")
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 百里 呼延 澹台 "
    "太史 申屠 钟离 闻人 赫连 万俟 濮阳 司空 宗政 公冶 淳于 单于 太叔 拓跋 第五 东郭 左丘 谷梁 公羊 闾丘 梁丘".split())
_HONORIFICS = ("先生", "女士", "小姐", "老师", "师傅", "经理", "同学", "阿姨", "大姐", "大哥", "总")
_STRONG_CONTEXT = ("我叫", "我的名字叫", "名字叫", "名字是", "名叫", "叫做", "真实姓名", "姓名", "收货人", "收件人",
                   "联系人", "持卡人", "开户名", "开户人", "户名", "机主", "实名人", "署名", "落款", "收款人", "付款人",
                   "汇款人", "投诉人", "举报人", "申请人", "当事人", "被投诉人")
_WEAK_CONTEXT = ("我是", "本人是", "本人", "卖家", "买家", "商家", "店家", "店主", "老板", "骗子", "对方", "客服", "业务员",
                 "经理", "主管", "专员", "员工", "代理", "商户", "群主", "中介", "主播", "号主", "快递员", "自称", "他叫",
                 "她叫", "叫", "老公", "老婆", "儿子", "女儿", "孩子", "爸爸", "妈妈", "朋友", "同学", "同事", "男朋友",
                 "女朋友", "表哥", "表姐", "室友")
_NAME_CONTEXT = re.compile(rf"(?P<context>{'|'.join(sorted(_STRONG_CONTEXT + _WEAK_CONTEXT, key=len, reverse=True))})"
                           r"\s*(?:[:：]|是|为|叫)?\s*[“\"'「『]?")
_NOT_NAME_FLAGS = ("c", "p", "r", "d", "u", "v", "y", "e", "m", "q")
# Places jieba tags as person names (我是张家界人).
_NOT_NAMES = frozenset("张家界 马鞍山 黄山 白山 钟山 高邮 江阴 常熟 昆山 石狮 龙岩 韶山 秦岭".split())
_ENGLISH_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}")
_ENGLISH_NAME_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:(?i:my name is|name\s*[:：]|mr|mrs|ms|miss|dr)\.?\s+(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})"
    r"|(?i:seller|buyer|agent|contact(?: person)?|cardholder)\s*[:：]?\s+(?P<full>[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}))")


def name_hits(shadow):
    text = shadow.visible
    if not HAN.search(text) and not _ENGLISH_NAME_CONTEXT.search(text):
        return
    for match in _ENGLISH_NAME_CONTEXT.finditer(text):
        group = "name" if match["name"] else "full"
        yield Hit("name", match.start(group), match.end(group), 4)
    for match in _NAME_CONTEXT.finditer(text):
        strong = match["context"] in _STRONG_CONTEXT or "叫" in match.group()
        span = _name_after(shadow, match.end(), strong)
        if span:
            yield Hit("name", *span, 4)
    if any(h in text for h in _HONORIFICS):
        yield from _honorific_hits(shadow)


def _name_after(shadow, position, strong):
    """Return the span of a name that starts at `position` (just after a context word), or None."""
    window = shadow.text[position:position + 10]
    english = _ENGLISH_NAME.match(window)
    if english and (strong or " " in english.group()):
        return position, position + english.end()
    tokens = shadow.words_from(position, 3)
    length = _name_length(tokens, strong) if tokens and HAN.match(tokens[0][0]) else 0
    name = window[:length]
    if not length or name in _NOT_NAMES or name in PLACES or window[length:length + 1] == "人":
        return None  # 我是张家界人: a place, not a person
    for honorific in _HONORIFICS:  # 王先生 comes back as one token: keep the title
        if name.endswith(honorific) and len(name) > len(honorific):
            length -= len(honorific)
    return position, position + length


def _name_length(tokens, strong):
    (word, flag), rest = tokens[0], tokens[1:]
    following = rest[0][0] if rest else ""
    if word in _SURNAMES and following in ("某", "某某"):
        return 1 + len(following)  # 张某某: half-anonymised already, but the surname still says something
    if word in ("小", "老", "阿") and len(following) == 1 and following in _SURNAMES:
        return 2  # 小 / 李
    if word in _COMPOUND_SURNAMES and HAN.match(following) and len(following) <= 2:
        return len(word) + len(following)  # 欧阳 / 娜娜
    if flag.startswith("nr") and 2 <= len(word) <= 4 and _looks_like_name(word, strong):
        return len(word)
    if word in _SURNAMES and HAN.match(following) and (
            len(following) == 1 and flag.startswith("nr") or len(following) == 2 and rest[0][1].startswith("nr")):
        return 1 + len(following)  # 周 / 杰, 张 / 大伟
    if strong and word in _SURNAMES and flag.startswith("nr") and not HAN.match(following):
        return 1  # 联系人王，电话…
    return 0


def _looks_like_name(word, strong):
    if word[:2] in _COMPOUND_SURNAMES or word[0] in _SURNAMES:
        return True
    return strong or (word[0] in "小老阿" and word[1:2] in _SURNAMES)


def _honorific_hits(shadow):
    """Names before a title: 王先生, 张伟先生, 刘 / 经理, 欧阳 / 娜娜 / 女士 (the title stays)."""
    tokens = shadow.tokens
    for index, (word, flag, start, end) in enumerate(tokens):
        for honorific in _HONORIFICS:
            surname = word[:-len(honorific)]
            if word.endswith(honorific) and flag.startswith("nr") and _is_surname(surname):
                yield Hit("name", start, start + len(surname), 4)
        if index + 1 == len(tokens) or tokens[index + 1][0] not in _HONORIFICS:
            continue
        previous = tokens[index - 1][0] if index else ""
        if previous in _COMPOUND_SURNAMES and HAN.match(word) and len(word) <= 2:
            yield Hit("name", tokens[index - 1][2], end, 4)
        elif _titled_name(word, flag):
            yield Hit("name", start, end, 4)


def _titled_name(word, flag):
    if word in _NOT_NAMES:
        return False
    if word in _COMPOUND_SURNAMES:
        return True
    if len(word) == 1:  # 刘/zg 经理, 高/a 老师; but 和/c 先生 is "and my husband"
        return word in _SURNAMES and not flag.startswith(_NOT_NAME_FLAGS)
    return flag.startswith("nr") and len(word) <= 4 and _looks_like_name(word, False)


def _is_surname(word):
    return word in _SURNAMES or word in _COMPOUND_SURNAMES
