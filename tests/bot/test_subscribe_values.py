"""Issue 12, section 4: `/subscribe lang:xx` when no rule covers xx and `/subscribe actor:XYZ` that is
no known actor code are refused with the valid values, instead of being accepted and never matching.
Known actor codes come from the gazetteers (pure data: rules/actor_codes.py)."""

from __future__ import annotations

import pytest

from dementi.bot.filters import ANY_LANGUAGE, Catalogue, FilterError, parse_filter
from dementi.rules.actor_codes import actor_codes
from dementi.settings import Settings


@pytest.fixture(scope="module")
def codes():
    return actor_codes(Settings().gazetteers_dir)


def test_actor_codes_cover_states_and_organisations(codes):
    assert {"RUS", "USA", "FRA", "PSE", "UN", "NATO", "EU", "AU", "ARAB_LEAGUE"} <= set(codes)
    assert codes["RUS"] == "Russia" and codes["UN"] == "United Nations"
    assert "REU" not in codes  # a territory, not a state: no actor ever carries it


def test_unknown_actor_is_refused_with_the_valid_values(codes):
    known = Catalogue(actors=codes)
    assert parse_filter(["actor:rus"], known).actors == {"RUS"}
    assert parse_filter(["actor:Russia"], known).actors == {"RUS"}  # a state's name gives its code
    with pytest.raises(FilterError) as exc:
        parse_filter(["actor:XYZ"], known)
    message = str(exc.value)
    assert "XYZ" in message and "NATO" in message and "ARAB_LEAGUE" in message and "RUS" in message
    with pytest.raises(FilterError, match="RUS"):
        parse_filter(["actor:RU"], known)  # ISO alpha-2: says which alpha-3 code is meant


def test_language_no_rule_covers_is_refused_with_the_covered_ones():
    known = Catalogue(rule_ids={"a"}, languages={"fr", "en"})
    assert parse_filter(["lang:fr"], known).langs == {"fr"}
    with pytest.raises(FilterError) as exc:
        parse_filter(["lang:de"], known)
    assert "never match" in str(exc.value) and "en, fr" in str(exc.value)


def test_any_real_language_when_some_rule_covers_every_language():
    known = Catalogue(rule_ids={"a"}, languages={"fr", ANY_LANGUAGE})  # a rule without `languages:` covers all
    assert parse_filter(["lang:de"], known).langs == {"de"}
    with pytest.raises(FilterError, match="ISO 639-1"):
        parse_filter(["lang:xx"], known)


def test_stored_filters_are_not_revalidated():
    from dementi.bot.filters import filter_from_spec

    assert filter_from_spec("actor:OLDNAME lang:zz").actors == {"OLDNAME"}  # a rule or code may have gone


async def test_the_bot_refuses_them_and_lists_the_values(running_bot):
    bot = running_bot
    reply = await bot.command(41, "/subscribe actor:XYZ")
    assert "XYZ" in reply and "NATO" in reply and "Nothing was changed" in reply
    reply = await bot.command(41, "/subscribe lang:xx")
    assert "ISO 639-1" in reply and "Nothing was changed" in reply
    assert "Subscribed to actor:RUS" in await bot.command(41, "/subscribe actor:Russia")
    assert bot.services.store.subscriptions(41) == ["actor:RUS"]
