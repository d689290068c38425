"""Chinese text normalisation for CER, as the Qwen audio evaluations apply it (``cn_tn.TextNorm``).

A behaviour-preserving port of the part of speechio's ``cn_tn.py`` that QwenLM/Qwen2-Audio's
``eval_audio/evaluate_asr.py`` (commit 595360e, also lmms-eval's ``librispeech/cn_tn.py``) runs: its
``TextNorm`` with every option off, which is ``normalize_nsw`` (digits, dates, money, phone numbers,
fractions, percentages and quantities spelled out in simplified Chinese characters, the "mid" numbering
system) and then Chinese and ASCII punctuation replaced by spaces. Traditional characters, full-width
letters, fillers and 儿化 are left as they are (the options that would touch them are off there).

Public entry points: ``normalize_chinese_numbers(text)`` (``normalize_nsw``) and
``normalize_chinese(text)`` (``TextNorm(...)`` as configured there).
"""

from __future__ import annotations

import re
import string

__all__ = ["normalize_chinese", "normalize_chinese_numbers", "number_to_chinese"]

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = [(1, "十"), (2, "百"), (3, "千"), (4, "万")]
# The "mid" numbering system: each larger unit is the previous one times 10^4 (亿 = 10^8, 兆 = 10^12, ...).
_LARGE_UNITS = [((i + 2) * 4, u) for i, u in enumerate("亿兆京垓秭穰沟涧正载")]
_UNITS_DESCENDING = [*reversed(_LARGE_UNITS), *reversed(_SMALL_UNITS)]
_POINT = "点"
_TWO_ALT = "两"

_CURRENCY_UNITS = "((亿|千万|百万|万|千|百)|(亿|千万|百万|万|千|百|)元|(亿|千万|百万|万|千|百|)块|角|毛|分)"
_QUANTIFIERS = (
    "(匹|张|座|回|场|尾|条|个|首|阙|阵|网|炮|顶|丘|棵|只|支|袭|辆|挑|担|颗|壳|窠|曲|墙|群|腔|"
    "砣|座|客|贯|扎|捆|刀|令|打|手|罗|坡|山|岭|江|溪|钟|队|单|双|对|出|口|头|脚|板|跳|枝|件|贴|"
    "针|线|管|名|位|身|堂|课|本|页|家|户|层|丝|毫|厘|分|钱|两|斤|担|铢|石|钧|锱|忽|(千|毫|微)克|"
    "毫|厘|分|寸|尺|丈|里|寻|常|铺|程|(千|分|厘|毫|微)米|撮|勺|合|升|斗|石|盘|碗|碟|叠|桶|笼|盆|"
    "盒|杯|钟|斛|锅|簋|篮|盘|桶|罐|瓶|壶|卮|盏|箩|箱|煲|啖|袋|钵|年|月|日|季|刻|时|周|天|秒|分|旬|"
    "纪|岁|世|更|夜|春|夏|秋|冬|代|伏|辈|丸|泡|粒|颗|幢|堆|条|根|支|道|面|片|张|颗|块)"
)
# Chinese punctuation (from the Zhon project, as cn_tn lists it) and ASCII punctuation become spaces.
_CN_PUNCS = ("！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿"
             "–—‘’‛“”„‟…‧﹏·〈〉-")
_PUNCS = _CN_PUNCS + string.punctuation
_PUNCS_TO_SPACE = str.maketrans(_PUNCS, " " * len(_PUNCS), "")

_DATE = re.compile(r"\D+((([089]\d|(19|20)\d{2})年)?(\d{1,2}月(\d{1,2}[日号])?)?)")
_MONEY = re.compile(r"\D+((\d+(\.\d+)?)[多余几]?" + _CURRENCY_UNITS + r"(\d" + _CURRENCY_UNITS + r"?)?)")
_MOBILE = re.compile(r"\D((\+?86 ?)?1([38]\d|5[0-35-9]|7[678]|9[89])\d{8})\D")
_LANDLINE = re.compile(r"\D((0(10|2[1-3]|[3-9]\d{2})-?)?[1-9]\d{6,7})\D")
_FRACTION = re.compile(r"(\d+/\d+)")
_PERCENTAGE = re.compile(r"(\d+(\.\d+)?%)")
_QUANTITY = re.compile(r"(\d+(\.\d+)?)[多余几]?" + _QUANTIFIERS)
_DIGIT_STRING = re.compile(r"(\d{4,32})")
_NUMBER = re.compile(r"(\d+(\.\d+)?)")
_LATIN_TWO_LATIN = re.compile(r"(([a-zA-Z]+)二([a-zA-Z]+))")
_NUMBER_IN_MONEY = re.compile(r"(\d+(\.\d+)?)")


def _value_symbols(value: str) -> list[tuple[str, int | None]]:
    """cn_tn ``num2chn.get_value``: (character, unit power or None for a digit), with a 零 for skipped places."""
    stripped = value.lstrip("0")
    if not stripped:
        return []
    if len(stripped) == 1:
        digit = (_DIGITS[int(stripped)], None)
        return [(_DIGITS[0], None), digit] if len(value) != len(stripped) else [digit]
    power, unit = next((p, u) for p, u in _UNITS_DESCENDING if p < len(stripped))
    return _value_symbols(value[:-power]) + [(unit, power)] + _value_symbols(stripped[-power:])


def number_to_chinese(number: str, alt_two: bool = True, use_units: bool = True) -> str:
    """cn_tn ``num2chn`` (simplified characters): ``"25"`` -> ``"二十五"``, ``"200"`` -> ``"两百"``, ``"10"`` -> ``"十"``;
    without units each digit is read (``"2024"`` -> ``"二零二四"``)."""
    parts = number.split(".")
    if len(parts) > 2:
        raise ValueError(f"invalid input num string with more than one dot: {number}")
    integer, decimals = parts[0], parts[1] if len(parts) == 2 else ""
    symbols: list[tuple[str, int | None]]
    if use_units and len(integer) > 1:
        symbols = _value_symbols(integer)
    else:
        symbols = [(_DIGITS[int(c)], None) for c in integer]
    if decimals:
        symbols += [(_POINT, -1)] + [(_DIGITS[int(c)], None) for c in decimals]
    chars = [c for c, _ in symbols]
    if alt_two:
        for i, (c, power) in enumerate(symbols):
            if c != _DIGITS[2] or power is not None:
                continue
            nxt = symbols[i + 1][1] if i + 1 < len(symbols) else None
            prev = symbols[i - 1][1] if i > 0 else None
            # 两 before a unit above 十, unless a 十 (or the decimal point) comes just before
            if nxt is not None and nxt > 0 and (i == 0 or (prev is not None and prev > 0)):
                if nxt != 1 and (i == 0 or prev != 1):
                    chars[i] = _TWO_ALT
    result = "".join(chars)
    if result.startswith(_POINT):
        return _DIGITS[0] + result
    if len(result) >= 2 and result[1] in ("十", "拾") and result[0] in ("一", "壹"):
        result = result[1:]
    return result


def _date(date: str) -> str:
    try:
        year, other = date.strip().split("年", 1)
        year = number_to_chinese(year, alt_two=False, use_units=False) + "年"
    except ValueError:
        other, year = date, ""
    month = day = ""
    if other:
        try:
            month, day = other.strip().split("月", 1)
            month = number_to_chinese(month) + "月"
        except ValueError:
            day, month = date, ""
        if day:
            day = number_to_chinese(day[:-1]) + day[-1]
    return year + month + day


def _money(money: str) -> str:
    for match in _NUMBER_IN_MONEY.findall(money):
        money = money.replace(match[0], number_to_chinese(match[0]))
    return money


def _telephone(phone: str, fixed: bool) -> str:
    parts = phone.split("-") if fixed else phone.strip("+").split()
    return "".join(number_to_chinese(p, alt_two=False, use_units=False) for p in parts)


def normalize_chinese_numbers(raw: str) -> str:
    """cn_tn ``normalize_nsw``: dates, money, phone numbers, fractions, percentages, quantities, long digit strings
    and other numbers spelled out, in that order, each match replacing its first occurrence."""
    text = "^" + raw + "$"
    for m in _DATE.findall(text):
        text = text.replace(m[0], _date(m[0]), 1)
    for m in _MONEY.findall(text):
        text = text.replace(m[0], _money(m[0]), 1)
    for m in _MOBILE.findall(text):
        text = text.replace(m[0], _telephone(m[0], fixed=False), 1)
    for m in _LANDLINE.findall(text):
        text = text.replace(m[0], _telephone(m[0], fixed=True), 1)
    for m in _FRACTION.findall(text):
        numerator, denominator = m.split("/")
        text = text.replace(m, number_to_chinese(denominator) + "分之" + number_to_chinese(numerator), 1)
    text = text.replace("％", "%")
    for m in _PERCENTAGE.findall(text):
        text = text.replace(m[0], "百分之" + number_to_chinese(m[0].strip().strip("%")), 1)
    for m in _QUANTITY.findall(text):
        text = text.replace(m[0], number_to_chinese(m[0]), 1)
    for m in _DIGIT_STRING.findall(text):
        text = text.replace(m, number_to_chinese(m, alt_two=False, use_units=False), 1)
    for m in _NUMBER.findall(text):
        text = text.replace(m[0], number_to_chinese(m[0]), 1)
    for m in _LATIN_TWO_LATIN.findall(text):  # P2P, B2B ... back to their digit
        text = text.replace(m[0], m[1] + "2" + m[2], 1)
    return text.lstrip("^").rstrip("$")


def normalize_chinese(text: str) -> str:
    """``TextNorm()`` with every option off, as the Qwen evaluations configure it: numbers spelled out, punctuation to spaces."""
    return normalize_chinese_numbers(text).translate(_PUNCS_TO_SPACE)
