"""The pack must keep the engine's cheap path cheap: ordinary prose full of everyday words
("called", "plan", "projet", "made", "report") should not reach spaCy. Counts, not timings."""

import pytest

from dementi.records import Article
from tests.pack.conftest import GAZETTEERS, RULES

ORDINARY = {
    "fr": [
        "Le conseil municipal a voté mardi le plan de rénovation des écoles du quartier nord.",
        "Le projet de piscine intercommunale a été présenté aux habitants lors d'une réunion publique.",
        "Les commerçants ont été remis à contribution pour la braderie de septembre.",
        "La maire a rappelé que les travaux de voirie dureront jusqu'à la fin du mois d'avril.",
        "Un accord a été trouvé entre la mairie et l'association des parents d'élèves sur la cantine.",
        "La demande de permis de construire a été déposée par un promoteur local au printemps.",
        "Il a été admis à l'hôpital après une chute à vélo sur la route départementale.",
        "Le festival de jazz a accueilli plus de dix mille spectateurs durant le week-end.",
    ],
    "en": [
        "The city council called a special meeting to discuss the new parking plan on Tuesday.",
        "Residents made their views known about the library project at a packed town hall.",
        "The school board said the report on class sizes would be published next month.",
        "Heavy rain is expected to move across the region later this week, forecasters said.",
        "The local team made it to the final after a dramatic penalty shoot-out on Saturday.",
        "A new bakery opened on Main Street, and the owner said business had been brisk.",
        "The county issued a warning about icy roads and asked drivers to take care.",
        "It is true that the museum will extend its opening hours during the summer.",
    ],
}


@pytest.fixture(scope="module")
def engine():
    from dementi.rules.engine import Engine

    return Engine.from_dir(RULES, GAZETTEERS)


@pytest.mark.parametrize("lang", sorted(ORDINARY))
def test_ordinary_local_news_has_no_cue(engine, lang):
    with_cue = [s for s in ORDINARY[lang] if engine.has_cue(Article(body=s, lang=lang))]
    assert len(with_cue) <= 1, with_cue
