"""An ``actor`` condition inside ``near`` names the denier it chose (as inside all/any): the
alert must not fall back to another state of the sentence (the capital of the venue)."""

from tests.rules.conftest import fire

RULE = {"all": [
    {"regex": [r"nicht (?:\S+ ){0,4}reisen"]},
    {"near": {"within": 12, "of": [{"actor": {"role": "subject", "near": 12}}, {"phrase": ["Gipfel"]}]}},
]}


def test_denier_is_the_actor_the_near_condition_chose(engine_for):
    engine = engine_for(RULE, languages=["de"])
    (alert,) = fire(engine, "Der türkische Präsident wird nicht zum Gipfel nach Brüssel reisen.", lang="de")
    assert alert.denier.code == "TUR"
    assert any(s.condition == "actor:Turkey" for s in alert.evidence.spans)


def test_no_actor_before_the_cue_no_alert(engine_for):
    engine = engine_for(RULE, languages=["de"])
    assert fire(engine, "Der Stürmer wird nicht zum Gipfel nach Brüssel reisen.", lang="de") == []
