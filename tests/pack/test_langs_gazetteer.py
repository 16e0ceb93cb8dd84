"""State actors in zh, ja, ko, tr, fa, pl, uk, he: short names, declined and suffixed forms
(rules/declension.py), titles merged with their country, and the traps (clubs, parties, words that
contain a short alias). All sentences are invented."""

import pytest


def found(gazetteer, text):
    return [(text[s:e], a.code, a.kind) for s, e, a, _ in gazetteer.find_actors(text)]


def codes(gazetteer, text):
    return [a.code for _, _, a, _ in gazetteer.find_actors(text)]


@pytest.mark.parametrize("text, expected", [
    # Polish: cases of states, adjectives and titles
    ("Rzecznik MSZ Rosji odpowiedział.", ["RUS"]),
    ("Zdaniem rzeczniczki rosyjskiego MSZ to prowokacja.", ["RUS"]),
    ("Rozmowy z Wielką Brytanią i Stanami Zjednoczonymi trwają.", ["GBR", "USA"]),
    ("Ambasador Białorusi został wezwany.", ["BLR"]),
    ("Władze w Kijowie milczą.", ["UKR"]),
    # Ukrainian
    ("У МЗС Росії відповіли.", ["RUS"]),
    ("Речниця російського МЗС заявила.", ["RUS"]),
    ("Посол Польщі висловив протест.", ["POL"]),
    ("Переговори зі Сполученими Штатами.", ["USA"]),
    # Turkish: suffix after the apostrophe, suffixes on titles
    ("Rusya'nın açıklaması geldi.", ["RUS"]),
    ("Rus Dışişleri Bakanlığından açıklama yapıldı.", ["RUS"]),
    ("Çin Dışişleri Bakanlığı Sözcüsünün sözleri.", ["CHN"]),
    ("Kremlin Sözcüsü konuştu.", ["RUS"]),
    # Korean particles
    ("러시아 외교부는 보도를 부인했다.", ["RUS"]),
    ("중국 외교부 대변인이 밝혔다.", ["CHN"]),
    ("외교부는 입장을 밝혔다.", ["KOR"]),
    # Hebrew attached prefixes and adjectives after the noun
    ("ומשרד החוץ הרוסי הודיע.", ["RUS"]),
    ("הדובר של הקרמלין אמר.", ["RUS"]),
    ("בוושינגטון אמרו.", ["USA"]),
    # Persian: ZWNJ / Arabic letters variants, ezafe
    ("سخنگوی وزارت امور خارجه روسیه گفت", ["RUS"]),
    ("سفير ايران در ترکیه", ["IRN", "TUR"]),
    # Chinese and Japanese: no spaces
    ("俄罗斯外交部发言人表示", ["RUS"]),
    ("美国务卿表示", ["USA"]),
    ("中方不接受", ["CHN"]),
    ("ロシア外務省の報道官は", ["RUS"]),
    ("外務省は発表した", ["JPN"]),
])
def test_actors_in_eight_more_languages(gazetteer, text, expected):
    assert codes(gazetteer, text) == expected


@pytest.mark.parametrize("text", [
    "其中方案已经公布。",          # 其中 + 方案, not 中方
    "这样越方便越好。",            # 越方便, not 越方
    "マリアが話した。",            # katakana inside a longer word
    "Kulüp Başkanı açıklama yaptı.",   # a club's president
    "CHP Genel Başkanı konuştu.",      # a party leader
    "Rzecznik klubu zaprzeczył.",      # a club's spokesman
    "Президент клубу спростував чутки.",
    "Puchar Polski odbędzie się w maju.",
])
def test_no_state_actor_in_traps(gazetteer, text):
    assert codes(gazetteer, text) == []


def test_declension_generates_case_forms():
    from dementi.rules.declension import forms

    assert {"Rosji", "Rosję", "Rosją"} <= set(forms("Rosja", "state", "pl"))
    assert {"Wielkiej Brytanii", "Stanów Zjednoczonych"} <= set(forms("Wielka Brytania", "state", "pl")) | set(
        forms("Stany Zjednoczone", "state", "pl"))
    assert "Ministerstwa Spraw Zagranicznych" in forms("Ministerstwo Spraw Zagranicznych", "ministry", "pl")
    assert {"rosyjskiego", "rosyjskiej", "rosyjskie"} <= set(forms("rosyjski", "demonym", "pl"))
    assert {"Росії", "Росію", "Росією"} <= set(forms("Росія", "state", "uk"))
    assert {"України", "Україні", "Україну"} <= set(forms("Україна", "state", "uk"))
    assert {"Bakanlığının", "Bakanlığından", "Bakanlığınca"} <= {f.split()[-1] for f in forms("Dışişleri Bakanlığı", "ministry", "tr")}
    assert forms("Rusya", "state", "tr") == ["Rusya"]        # proper names: suffix after an apostrophe
    assert {"외교부는", "외교부가", "외교부의"} <= set(forms("외교부", "ministry", "ko"))
    assert {"러시아는", "러시아가"} <= set(forms("러시아", "state", "ko")) and "러시아은" not in forms("러시아", "state", "ko")
    assert {"ומשרד החוץ", "במשרד החוץ"} <= set(forms("משרד החוץ", "ministry", "he"))
    assert "בקרמלין" in forms("הקרמלין", "seat", "he")
    assert "سخنگوی" in forms("سخنگو", "spokesperson", "fa")
    assert forms("Russie", "state", "fr") is None
