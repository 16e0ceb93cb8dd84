"""Writing systems: token boundaries without spaces (zh/ja), katakana words, Hangul endings;
sentence splitting on 。！？ and after uncased or extended-Latin capitals; the script tokenizer.
All sentences are invented."""

import pytest

from dementi.rules.scripts import at_token_boundary, glued, has_cjk
from dementi.rules.segment import sentences


def _bounded(text: str, word: str) -> bool:
    i = text.index(word)
    return at_token_boundary(text, i, i + len(word))


def test_latin_and_cyrillic_keep_word_boundaries():
    assert _bounded("Le ministre dément.", "dément")
    assert not _bounded("Un propos démentiel.", "dément")
    assert not _bounded("опровергнуто", "опроверг")
    assert _bounded("МИД опроверг слухи", "опроверг")


def test_chinese_and_japanese_match_without_spaces():
    assert _bounded("外交部发言人否认了有关报道", "否认")
    assert _bounded("中国外交部发言人", "外交部")
    assert _bounded("報道を否定した。", "否定")


def test_katakana_words_are_not_cut():
    assert _bounded("ロシア外務省は", "ロシア")
    assert not _bounded("マリアが話した", "マリ")
    assert not glued("ア", "外") and glued("リ", "ア")


def test_hangul_needs_a_start_boundary_but_takes_endings():
    assert _bounded("외교부는 보도를 부인했다", "부인")
    assert not _bounded("대부인", "부인")


def test_has_cjk():
    assert has_cjk("外交部") and has_cjk("ロシア") and not has_cjk("Москва, 외교부")


@pytest.mark.parametrize("text, expected", [
    ("外交部表示不接受。中方不会参加。", ["外交部表示不接受。", "中方不会参加。"]),
    ("報道官は「事実ではない。全くない」と述べた。政府も否定した。",
     ["報道官は「事実ではない。全くない」と述べた。", "政府も否定した。"]),
    ("MSZ zaprzecza. Łukaszenka milczy.", ["MSZ zaprzecza.", "Łukaszenka milczy."]),
    ("Bakanlık açıklama yaptı. İddialar asılsız.", ["Bakanlık açıklama yaptı.", "İddialar asılsız."]),
    ("משרד החוץ הכחיש. הדובר אמר זאת.", ["משרד החוץ הכחיש.", "הדובר אמר זאת."]),
    ("МЗС спростувало. Ґрунтовної заяви не було.", ["МЗС спростувало.", "Ґрунтовної заяви не було."]),
])
def test_sentences_in_more_scripts(text, expected):
    assert [s.text(text) for s in sentences(text)] == expected


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_script_tokenizer_keeps_the_text_and_splits_by_script(lang):
    from dementi.rules.nlp import get_pipeline

    nlp = get_pipeline(lang)
    for text in ["中国外交部の報道官は「偽ニュースだ」と述べた。ロシア外務省 G20峰会", "  a\n\t b  ", ""]:
        assert nlp(text).text == text
    tokens = [t.text for t in nlp("ロシア外務省はG20で否定した")]
    assert tokens == ["ロシア", "外", "務", "省", "は", "G20", "で", "否", "定", "し", "た"]
