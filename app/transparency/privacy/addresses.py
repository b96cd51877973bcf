"""Street addresses below the city level."""
import re

from app.transparency.privacy.hits import Hit


_STOP = "我你他她它们的了在住是到于给把从往寄送说与及或也都就还又很太被让要想去来这那些哪谁啥吗呢吧啊呀跟对址市省"
_H = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"
_NUM = r"(?:(?<!\d)\d{1,6}|[一二三四五六七八九十百零两]{1,4})"  # bounded: a long digit run is no house number
_COMPONENTS = re.compile("|".join([
    rf"(?P<estate>{_H}{{1,8}}?(?:小区|花园|家园|新村|公寓|大厦|苑|社区|宿舍|园区|广场|大楼))",
    rf"(?P<village>{_H}{{1,5}}?村)",
    rf"(?P<town>{_H}{{1,6}}?(?:街道|镇|乡))",
    rf"(?P<street>{_H}{{1,7}}?(?:大道|大街|路|街|巷|胡同|里弄|弄)(?:[一二三四五六七八九十\d东西南北中]段)?)",
    rf"(?P<district>{_H}{{1,6}}?(?:新区|区|县|旗))",
    rf"(?P<unit>{_NUM}(?:-{_NUM}){{0,3}}\s*(?P<suffix>号楼|号院|号|栋|幢|座|单元|层|楼|室|户|组|弄)|[A-Za-z]\s*(?P<letter>座|栋))",
]))
_CONTINUATION = re.compile(r"[A-Za-z]{2,10}[\u4e00-\u9fff]{0,4}?(?=\d)|\d{2,5}(?!\d)")
_ADDRESS_GAP = re.compile(r"[ \t,，]?")
_ADDRESS_CUE = re.compile(r"(?:地址|住址|住在|家住|家在|现住|居住在|寄到|寄往|送到|发到|户籍地?)\s*[:：]?\s*(?:是|为|在)?\s*$")
_BUILDING_UNITS = ("栋", "幢", "单元", "室", "号楼", "座", "层", "楼", "户")
PLACES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 "
    "甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 广州 深圳 珠海 汕头 佛山 东莞 中山 惠州 江门 湛江 茂名 肇庆 梅州 清远 "
    "韶关 揭阳 潮州 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 丽水 衢州 舟山 南京 苏州 无锡 常州 徐州 南通 扬州 镇江 泰州 盐城 淮安 "
    "连云港 宿迁 成都 绵阳 德阳 宜宾 南充 泸州 乐山 武汉 宜昌 襄阳 荆州 黄冈 十堰 长沙 株洲 湘潭 衡阳 岳阳 常德 郴州 郑州 洛阳 开封 "
    "新乡 南阳 许昌 周口 商丘 信阳 驻马店 安阳 焦作 平顶山 西安 咸阳 宝鸡 渭南 榆林 延安 济南 青岛 烟台 潍坊 临沂 淄博 济宁 泰安 "
    "威海 日照 德州 聊城 菏泽 东营 石家庄 唐山 保定 邯郸 廊坊 沧州 邢台 秦皇岛 张家口 承德 衡水 太原 大同 沈阳 大连 鞍山 抚顺 锦州 "
    "长春 哈尔滨 大庆 齐齐哈尔 合肥 芜湖 蚌埠 安庆 阜阳 福州 厦门 泉州 漳州 莆田 南昌 赣州 九江 上饶 南宁 柳州 桂林 北海 海口 "
    "三亚 贵阳 遵义 昆明 大理 丽江 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 包头 鄂尔多斯".split())
_PLACES_LONGEST_FIRST = sorted(PLACES, key=len, reverse=True)
_NOT_PLACE_FLAGS = ("v", "vn", "vd", "r", "p", "d", "c", "u", "y", "e", "l", "t", "m")


def address_hits(shadow):
    text = shadow.visible
    first = _COMPONENTS.search(text)
    while first:
        parts = _address_parts(text, first)
        start, end = parts[0][1], parts[-1][2]
        after_city = start > 0 and text[start - 1] in "市县区" and parts[0][0] in ("town", "village")
        if _strong_address(parts) or after_city or _ADDRESS_CUE.search(text[max(0, start - 10):start]):
            start = _trim_address_start(shadow, parts)
            if start < end:
                yield Hit("address", start, end, 4)
        first = _COMPONENTS.search(text, end)


def _address_parts(text, first):
    """Read the components from `first` on, as long as they follow each other: [(kind, start, end, suffix)]."""
    parts = [_part(first)]
    while True:
        gap = _ADDRESS_GAP.match(text, parts[-1][2]).end()
        if match := _COMPONENTS.match(text, gap):
            parts.append(_part(match))
        elif follow := _CONTINUATION.match(text, gap):
            parts.append(("continuation", follow.start(), follow.end(), ""))
        else:
            return parts


def _part(match):
    kind = match.lastgroup if match.lastgroup not in ("suffix", "letter") else "unit"
    return kind, match.start(), match.end(), match["suffix"] or match["letter"] or ""


def _strong_address(parts):
    """Tell whether the components describe a place below the city: 路…号, 小区…栋…室, 村…组, district plus street."""
    kinds = [part[0] for part in parts]
    for (kind, *_), (next_kind, _s, _e, suffix) in zip(parts, parts[1:]):
        if kind == "street" and next_kind == "unit" and suffix in ("号", "弄", "号院", "号楼"):
            return True
        if kind in ("district", "town") and next_kind in ("street", "estate", "village", "town"):
            return True
        if kind == "village" and next_kind == "unit" and suffix == "组":
            return True
    building = [part for part in parts if part[0] == "unit" and part[3] in _BUILDING_UNITS]
    named = [kind for kind in kinds if kind in ("estate", "street", "village", "district")]
    return bool(building) and (bool(named) or len([k for k in kinds if k == "unit"]) >= 2)


def _trim_address_start(shadow, parts):
    """Keep the city or province and the words before the address out of it (北京朝阳区… → 朝阳区…)."""
    kind, start, end, _ = parts[0]
    if kind == "unit":
        return start
    # 北京路 and 中山北路 are streets, 北京朝阳区 and 广州天河路 are a city and then the address.
    name_end = end - (1 if kind != "street" else 2)
    trimmed = True
    while trimmed:
        trimmed = False
        for place in _PLACES_LONGEST_FIRST:
            if shadow.text.startswith(place, start) and start + len(place) < name_end:
                start, trimmed = start + len(place), True
                break
    while (index := shadow.token_starts.get(start)) is not None:  # 投诉/科技园路18号: the verb is no address
        _, flag, _, token_end = shadow.tokens[index]
        if token_end >= end or not flag.startswith(_NOT_PLACE_FLAGS):
            break
        start = token_end
    return start
