"""Property-based tests of the INS key: every well-shaped body with its key is valid, every typo is caught."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.ins import COUNTRIES, Ins, InvalidIns, compute_key

OVERSEAS = ["971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988", "989"]


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


sexes = st.sampled_from("12")
provisional_sexes = st.sampled_from("3478")
years = st.integers(0, 99).map("{:02d}".format)
months = st.one_of(st.integers(1, 12), st.integers(20, 42), st.integers(50, 99)).map("{:02d}".format)
corsica_places = st.tuples(st.sampled_from(["2A", "2B"]), _digits(3)).map("".join)
places = st.one_of(
    st.tuples(st.integers(1, 95).map("{:02d}".format), _digits(3)).map("".join),  # metropolitan
    corsica_places,
    st.tuples(st.sampled_from(OVERSEAS), _digits(2)).map("".join),
    st.sampled_from(sorted(COUNTRIES)).map("99".__add__),  # born abroad: 99 + an official country code
)
# What the shipped lists lack but a birth may have: any overseas code, any country code but France's (99100).
unlisted_places = st.one_of(
    st.tuples(st.sampled_from(["97", "98"]), _digits(3)).map("".join),
    _digits(3).filter(lambda code: code != "100").map("99".__add__),
)


def bodies(sex: st.SearchStrategy[str] = sexes, place: st.SearchStrategy[str] = places) -> st.SearchStrategy[str]:
    return st.tuples(sex, years, months, place, _digits(3)).map("".join)


@given(bodies())
def test_any_body_with_its_computed_key_is_valid(body):
    ins = Ins.parse(body + compute_key(body))
    assert str(ins) == body + compute_key(body)
    assert not ins.provisional


@given(bodies(sex=provisional_sexes))
def test_provisional_registrations_are_accepted_and_flagged(body):
    ins = Ins.from_body(body)
    assert ins.provisional and ins.decode().provisional
    assert ins.decode().sex == ("M" if body[0] in "37" else "F")


@given(bodies())
def test_key_is_always_between_01_and_97(body):
    key = compute_key(body)
    assert len(key) == 2 and 1 <= int(key) <= 97


@given(bodies(), st.data())
def test_changing_any_single_digit_is_caught(body, data):
    value = str(Ins.from_body(body))
    position = data.draw(st.sampled_from([i for i, c in enumerate(value) if c.isdigit()]))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != value[position]]))
    typo = value[:position] + digit + value[position + 1:]
    with pytest.raises(InvalidIns):
        Ins.parse(typo)


@given(bodies(), st.data())
def test_swapping_two_adjacent_different_digits_is_caught(body, data):
    value = str(Ins.from_body(body))
    candidates = [i for i in range(14) if value[i] != value[i + 1] and value[i:i + 2].isdigit()]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    with pytest.raises(InvalidIns):
        Ins.parse(value[:i] + value[i + 1] + value[i] + value[i + 2:])


@given(bodies(), st.integers(1, 97))
def test_only_the_computed_key_is_accepted(body, key):
    text = body + f"{key:02d}"
    if f"{key:02d}" == compute_key(body):
        assert str(Ins.parse(text)) == text
    else:
        with pytest.raises(InvalidIns):
            Ins.parse(text)


@given(bodies(place=corsica_places))
def test_corsica_reads_2a_as_19_and_2b_as_18(body):
    as_digits = body[:5] + {"2A": "19", "2B": "18"}[body[5:7]] + body[7:]
    assert compute_key(body) == compute_key(as_digits) == f"{97 - int(as_digits) % 97:02d}"
    ins = Ins.from_body(body)
    assert ins.decode().birth_place.department == body[5:7]
    # Corsica's letters are case-insensitive as typed.
    assert Ins.parse(str(ins).lower()) == ins


@given(bodies())
def test_parse_and_format_round_trip(body):
    ins = Ins.from_body(body)
    assert Ins.parse(str(ins)) == ins
    assert Ins.parse(ins.formatted()) == ins
    assert ins.formatted().replace(" ", "") == str(ins)
    assert Ins.parse(f"  {ins.formatted()}\t") == ins


@given(bodies())
def test_decoding_reads_back_the_body(body):
    decoded = Ins.from_body(body).decode()
    assert decoded.sex == ("M" if body[0] == "1" else "F")
    month = int(body[3:5])
    assert decoded.birth_month == (month if month <= 12 else None)
    assert decoded.birth_year % 100 == int(body[1:3])
    assert decoded.birth_place.insee_code == body[5:10]
    assert decoded.order == body[10:13]
    kind = decoded.birth_place.kind
    assert kind == {"99": "abroad", "97": "overseas", "98": "overseas"}.get(body[5:7], "department")


@given(bodies(place=unlisted_places))
def test_a_right_key_with_a_place_the_lists_lack_is_accepted(body):
    ins = Ins.from_body(body)
    assert ins.decode().birth_place.kind == ("abroad" if body[5:7] == "99" else "overseas")
    assert ins.description()


@given(bodies(sex=st.sampled_from("78"), place=_digits(5)))
def test_an_ins_nia_is_never_refused_for_its_birthplace(body):
    assert Ins.from_body(body).provisional
