"""Numbers as a reader says them: cardinals, ordinals, years and decades, in American English."""

from __future__ import annotations

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _under_thousand(n: int) -> str:
    words = []
    if n >= 100:
        words.append(f"{_ONES[n // 100]} hundred")
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n or not words:
        words.append(_ONES[n])
    return " ".join(words)


def cardinal(n: int) -> str:
    """``35`` -> ``"thirty-five"``, ``1200000`` -> ``"one million two hundred thousand"``."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n >= 10**15:
        return " ".join(_ONES[int(d)] for d in str(n))
    words = []
    for value, name in _SCALES:
        if n >= value:
            words.append(f"{_under_thousand(n // value)} {name}")
            n %= value
    if n or not words:
        words.append(_under_thousand(n))
    return " ".join(words)


def ordinal(n: int) -> str:
    """``21`` -> ``"twenty-first"``."""
    words = cardinal(n)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _ORDINAL:
        last = _ORDINAL[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year(n: int) -> str:
    """``1990`` -> ``"nineteen ninety"``, ``2004`` -> ``"two thousand four"``, ``2015`` -> ``"twenty fifteen"``."""
    if not 1000 <= n <= 9999:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if 2000 <= n <= 2009 or n < 1100:
        return cardinal(n)
    if lo == 0:
        return f"{cardinal(hi)} hundred"
    if lo < 10:
        return f"{cardinal(hi)} oh {cardinal(lo)}"
    return f"{cardinal(hi)} {cardinal(lo)}"


def plural(words: str) -> str:
    """``"nineteen ninety"`` -> ``"nineteen nineties"``, for decades."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith("x"):
        return words + "es"
    return words + "s"


def decade(n: int) -> str:
    """``1990`` -> ``"nineteen nineties"``, ``2000`` -> ``"two thousands"``, ``80`` -> ``"eighties"``."""
    return plural(year(n) if n >= 1000 else cardinal(n))


def digits(text: str) -> str:
    """Read a string of digits one by one: ``"05"`` -> ``"zero five"``."""
    return " ".join(_ONES[int(d)] for d in text if d.isdigit())


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def roman(numeral: str) -> int | None:
    """``"XIV"`` -> ``14``; ``None`` unless ``numeral`` is a well-formed numeral under 90."""
    values = [_ROMAN.get(c) for c in numeral]
    if not numeral or None in values:
        return None
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    canonical = ""
    rest = total
    for value, sym in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while rest >= value:
            canonical += sym
            rest -= value
    return total if canonical == numeral else None
