"""KBO enterprise numbers, site numbers and postcodes: accepted forms and refusals."""

from __future__ import annotations

import pytest

from dualflow.companies.services import (
    check_postcode,
    format_kbo,
    normalise_kbo,
    normalise_site_number,
    region_of,
)
from dualflow.errors import DomainError


@pytest.mark.parametrize(
    "raw",
    ["0403170701", "0403.170.701", "BE 0403.170.701", "be0403170701", "BE403170701",
     " 0403 170 701 ", "403.170.701", "0403-170-701"],
)
def test_kbo_number_accepted_in_usual_forms(raw):
    assert normalise_kbo(raw) == "0403170701"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0403170702", "controlecijfers"),
        ("BE 0403.170.710", "controlecijfers"),
        ("2403170701", "begint met 0 of 1"),
        ("04031707", "10 cijfers"),
        ("04031707011", "10 cijfers"),
        ("abc", "10 cijfers"),
        ("", "Vul het ondernemingsnummer in"),
    ],
)
def test_kbo_number_refused(raw, message):
    with pytest.raises(DomainError) as refused:
        normalise_kbo(raw)
    assert refused.value.field == "kbo_number"
    assert message in refused.value.message


def test_site_numbers_use_the_same_mod_97_check():
    # 2.000.000.537: 20000005 + 37 is a multiple of 97.
    for raw in ("2000000537", "2.000.000.537", "2 000 000 537"):
        assert normalise_site_number(raw) == "2000000537"
    for raw, message in (("2000000538", "controlecijfers"), ("0403170701", "begint met 2"),
                         ("200000053", "10 cijfers"), ("", "Vul het vestigingsnummer in")):
        with pytest.raises(DomainError) as refused:
            normalise_site_number(raw)
        assert refused.value.field == "number"
        assert message in refused.value.message


@pytest.mark.parametrize(
    ("postcode", "region"),
    [("1000", "brussels"), ("1299", "brussels"), ("1300", "wallonia"), ("1499", "wallonia"),
     ("1500", "flanders"), ("3999", "flanders"), ("4000", "wallonia"), ("7999", "wallonia"),
     ("8000", "flanders"), ("9999", "flanders"), ("0999", None), ("999", None),
     ("10000", None), ("abcd", None)],
)
def test_regions_of_postcodes(postcode, region):
    assert region_of(postcode) == region


@pytest.mark.parametrize("postcode", ["1300", "1348", "4000", "5000", "7999"])
def test_walloon_workplace_refused_with_the_reason(postcode):
    with pytest.raises(DomainError) as refused:
        check_postcode(postcode)
    assert "Waals Gewest" in refused.value.message
    assert refused.value.field == "postcode"
    # The registered office of a company may lie in Wallonia.
    assert check_postcode(postcode, workplace=False) == postcode


def test_format_for_display():
    assert format_kbo("0403170701") == "0403.170.701"
    assert format_kbo("2000000537") == "2.000.000.537"
