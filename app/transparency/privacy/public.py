"""What stays public: amounts, dates, counts and service numbers, hidden from the finders (same length)."""
import re

from app.transparency.privacy.numbers import valid_date

_BLANK = "□"
_NO_DIGIT_BEFORE = r"(?<![\dA-Za-z.,])"
_PUBLIC_VALUES = re.compile("|".join([
    r"(?:[¥$]|(?<![A-Za-z])(?:RMB|CNY|rmb)\s*)\s*\d[\d,]*(?:\.\d+)?",
    _NO_DIGIT_BEFORE + r"\d[\d,]*(?:\.\d+)?\s*(?:元|块钱|块|圆|毛钱|毛|角|万元|万|人民币|美元|美金|"
                       r"(?:RMB|rmb|CNY)(?![A-Za-z]))",
    _NO_DIGIT_BEFORE + r"(?P<year>(?:19|20)\d\d)\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*"
                       r"(?P<day>\d{1,2})(?!\d)\s*[日号]?",
    _NO_DIGIT_BEFORE + r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]|(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*月)?",
    r"(?<![\dA-Za-z:])\d{1,2}\s*[:：]\s*\d\d(?:\s*[:：]\s*\d\d)?(?![\dA-Za-z:])",
    _NO_DIGIT_BEFORE + r"\d{1,2}\s*点(?:\s*\d{1,2}\s*分|半)?",
    _NO_DIGIT_BEFORE + r"\d{1,4}(?:\.\d+)?\s*(?:个多?小时|小时|分钟|秒钟?|天|周|星期|个多?月|月|年|岁|次|张|个|笔|"
                       r"单(?!元)|件|位|条|人|倍|折|%|级|星)",
    _NO_DIGIT_BEFORE + r"\d[\d,]*(?:\.\d+)?\s*(?:积分|点券|钻石|金币|[Qq]币|元宝|水晶|结晶|创世结晶|原石)",  # in-game currency
    # 400/800 service lines (ours and other companies'), then 95188, 10086, 12315 and the like
    r"(?<![0-9A-Za-z_])(?<!\d[ \-.])[48]00(?:[ \-]?\d){7}(?![0-9A-Za-z_])(?![ \-.]?\d)",
    r"(?<![0-9A-Za-z_·•])(?<!\d[ \-.])(?:9[56]\d{3}|1(?:0\d|23)\d\d)(?![0-9A-Za-z_])(?![ \-.]?\d)",
]))


def blank_public_values(text):
    """Hide the digits of amounts, dates, counts and service numbers from the finders (same length)."""
    def blank(match):
        if match.group("year") and not valid_date(match.group("year"), match.group("month"), match.group("day")):
            return match.group()
        return re.sub(r"[\d¥$.,:：]", _BLANK, match.group())
    return _PUBLIC_VALUES.sub(blank, text)
