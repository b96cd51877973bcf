"""Complaint references and access codes: forgiving parsing, typo detection, randomness."""
import re
from collections import Counter

import pytest

from app.complaints.reference import (
    ALPHABET,
    InvalidAccessCode,
    InvalidReference,
    check_symbol,
    codes_match,
    new_access_code,
    new_reference,
    normalize_access_code,
    normalize_reference,
)

SAMPLE = "TS-7K0M-9Q1A-4HRT-C2G"
SYMBOL = "[0-9A-HJKMNP-TV-Z]"  # Crockford base32: no I, L, O or U
REFERENCE_SHAPE = re.compile(f"TS-{SYMBOL}{{4}}-{SYMBOL}{{4}}-{SYMBOL}{{4}}-{SYMBOL}{{3}}")
ACCESS_CODE_SHAPE = re.compile(f"{SYMBOL}{{5}}-{SYMBOL}{{5}}")
# Chi-square with 31 degrees of freedom exceeds 85 with probability about 1e-6.
CHI_SQUARE_LIMIT = 85


def symbols_of(reference):
    """Return the 15 symbols after the prefix: 14 random ones and the check symbol."""
    return reference.replace("-", "")[2:]


def as_reference(symbols):
    """Write 15 symbols in the canonical grouping."""
    return f"TS-{symbols[0:4]}-{symbols[4:8]}-{symbols[8:12]}-{symbols[12:]}"


def chi_square(counts, total):
    """Return the chi-square statistic of `counts` against a uniform spread over the alphabet."""
    expected = total / len(ALPHABET)
    return sum((counts.get(symbol, 0) - expected) ** 2 / expected for symbol in ALPHABET)


@pytest.fixture(scope="module")
def generated_references():
    return [new_reference() for _ in range(10_000)]


@pytest.mark.parametrize(
    "typed",
    [
        SAMPLE,
        "ts-7k0m-9q1a-4hrt-c2g",
        "TS 7K0M 9Q1A 4HRT C2G",
        "  TS-7K0M-9Q1A-4HRT-C2G\n",
        "TS7K0M9Q1A4HRTC2G",
        "7K0M-9Q1A-4HRT-C2G",
        "7k0m9q1a4hrtc2g",
        "TS--7K0M-9Q1-A4HRT-C2G-",
        "TS-7KOM-9QIA-4HRT-C2G",
        "TS-7KoM-9QlA-4HRT-C2G",
        "TS-7K0M-9QLA-4HRT-C2G",
        "ＴＳ－７Ｋ０Ｍ－９Ｑ１Ａ－４ＨＲＴ－Ｃ２Ｇ",
        "ｔｓ　７ｋ０ｍ　９ｑ１ａ　４ｈｒｔ　ｃ２ｇ",
        "TS—7K0M—9Q1A—4HRT—C2G",
    ],
)
def test_typed_reference_is_normalized_to_canonical_form(typed):
    assert normalize_reference(typed) == SAMPLE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "TS",
        "TS-7K0M-9Q1A-4HRT",
        "TS-7K0M-9Q1A-4HRT-C2GX",
        "XX-7K0M-9Q1A-4HRT-C2G",
        "TS-7K0M-9Q1A-4HRT-C2U",
        "TS-7K0M-9Q1A-4HRT-C2G!",
        "TS-7K0M-9Q1A-4HRT-C2G" + " " * 100,
        None,
        12345,
    ],
)
def test_malformed_reference_is_rejected_as_format(typed):
    with pytest.raises(InvalidReference) as caught:
        normalize_reference(typed)
    assert caught.value.reason == "format"


def test_invalid_reference_is_a_value_error():
    assert issubclass(InvalidReference, ValueError)


def test_new_reference_has_the_documented_shape_and_is_canonical(generated_references):
    for reference in generated_references[:500]:
        assert REFERENCE_SHAPE.fullmatch(reference)
        assert normalize_reference(reference) == reference


def test_every_single_substitution_is_detected(generated_references):
    for reference in [SAMPLE, *generated_references[:40]]:
        symbols = symbols_of(reference)
        for position, original in enumerate(symbols):
            for replacement in ALPHABET.replace(original, ""):
                typo = symbols[:position] + replacement + symbols[position + 1:]
                with pytest.raises(InvalidReference) as caught:
                    normalize_reference(as_reference(typo))
                assert caught.value.reason == "checksum", (reference, typo)


def test_every_adjacent_transposition_is_detected(generated_references):
    for reference in [SAMPLE, *generated_references[:500]]:
        symbols = symbols_of(reference)
        for position in range(len(symbols) - 1):
            left, right = symbols[position], symbols[position + 1]
            if left == right:
                continue
            swapped = symbols[:position] + right + left + symbols[position + 2:]
            with pytest.raises(InvalidReference) as caught:
                normalize_reference(as_reference(swapped))
            assert caught.value.reason == "checksum", (reference, swapped)


def test_every_symbol_pair_at_every_position_is_caught():
    body = symbols_of(SAMPLE)[:-1]
    for position in range(len(body)):
        for left in ALPHABET:
            for right in ALPHABET.replace(left, ""):
                original = body[:position] + left + body[position + 1:]
                altered = body[:position] + right + body[position + 1:]
                assert check_symbol(original) != check_symbol(altered)
                if position + 1 < len(body):
                    pair = body[:position] + left + right + body[position + 2:]
                    swapped = body[:position] + right + left + body[position + 2:]
                    assert check_symbol(pair) != check_symbol(swapped)


def test_swapping_the_last_random_symbol_with_the_check_symbol_is_caught():
    prefix = symbols_of(SAMPLE)[:13]
    for last in ALPHABET:
        check = check_symbol(prefix + last)
        if check != last:
            with pytest.raises(InvalidReference) as caught:
                normalize_reference(as_reference(prefix + check + last))
            assert caught.value.reason == "checksum"


def test_ten_thousand_references_are_unique(generated_references):
    assert len(set(generated_references)) == len(generated_references)


def test_every_random_position_is_spread_over_the_whole_alphabet(generated_references):
    for position in range(15):
        counts = Counter(symbols_of(reference)[position] for reference in generated_references)
        assert set(counts) == set(ALPHABET), position
        assert chi_square(counts, len(generated_references)) < CHI_SQUARE_LIMIT, position


def test_new_access_code_has_at_least_forty_random_bits():
    code = new_access_code()
    assert ACCESS_CODE_SHAPE.fullmatch(code)
    random_symbols = len(code.replace("-", ""))
    assert random_symbols * 5 >= 40


def test_ten_thousand_access_codes_are_unique_and_spread():
    codes = [new_access_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    counts = Counter("".join(code.replace("-", "") for code in codes))
    assert chi_square(counts, 100_000) < CHI_SQUARE_LIMIT


@pytest.mark.parametrize(
    "typed",
    ["V2F9Y-QZ7MB", "v2f9y-qz7mb", "V2F9YQZ7MB", " v2f9y qz7mb ", "ｖ２ｆ９ｙ－ｑｚ７ｍｂ", "V2F9Y—QZ7MB"],
)
def test_typed_access_code_is_normalized(typed):
    assert normalize_access_code(typed) == "V2F9Y-QZ7MB"


def test_access_code_look_alikes_are_folded():
    assert normalize_access_code("OIL00-11111") == "01100-11111"


@pytest.mark.parametrize("typed", ["", "V2F9Y", "V2F9Y-QZ7MBX", "V2F9Y-QZ7MU", "V2F9Y-QZ7M!", None])
def test_malformed_access_code_is_rejected(typed):
    with pytest.raises(InvalidAccessCode) as caught:
        normalize_access_code(typed)
    assert caught.value.reason == "format"


def test_codes_match_ignores_how_the_code_was_typed():
    assert codes_match("v2f9y qz7mb", "V2F9Y-QZ7MB")
    assert codes_match("ｖ２ｆ９ｙＱＺ７ＭＢ", "V2F9Y-QZ7MB")


def test_codes_do_not_match_when_different_or_unreadable():
    assert not codes_match("V2F9Y-QZ7MA", "V2F9Y-QZ7MB")
    assert not codes_match("", "V2F9Y-QZ7MB")
    assert not codes_match(None, "V2F9Y-QZ7MB")
    assert not codes_match("garbage", "garbage")
