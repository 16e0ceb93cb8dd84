"""The prefilter never changes which alerts the engine produces: on a mixed corpus, the fast path
(prefilter + candidate units) and the general path (every rule on every unit) give the same alerts.

The corpus mixes the default pack's own example sentences (match and no_match, all languages),
invented filler full of the common words that used to make rules candidates ("report", "plan",
"said", "projet", "conseil"...), and invented cue sentences; articles are shuffled together with a
fixed seed. Slow path cost: spaCy on every sentence (~2-4 s here)."""

from __future__ import annotations

import random

import pytest

from dementi.records import Article
from dementi.rules.engine import Engine
from tests.rules.conftest import REPO

FILLER = {
    "fr": ["Le conseil municipal a présenté mardi un projet de plan pour la rentrée, a dit le maire.",
           "Selon le rapport publié hier, le projet ne sera plus examiné avant la fin du mois.",
           "La réunion du conseil d'administration a porté sur le plan de relance de la ville.",
           "Les habitants regrettent que le projet du conseil ait été présenté sans plan de financement."],
    "en": ["The city council said the report on the housing plan would be published next week.",
           "Officials said the plan had not been discussed at the meeting, according to the report.",
           "The mayor said a decision on the new bus plan would come later, the report added.",
           "Residents were not told about the project, a neighbourhood group said on Monday."],
    "es": ["El ayuntamiento dijo que el plan de vivienda no se votará hasta el próximo mes.",
           "Según el informe, el proyecto de la ciudad no tiene todavía un presupuesto cerrado."],
    "de": ["Der Stadtrat sagte, der Plan für den Nahverkehr werde nicht vor dem Sommer beraten.",
           "Laut dem Bericht hat die Gemeinde noch keine Entscheidung über das Projekt getroffen."],
}
CUES = {
    "fr": ["Le ministère estonien des Affaires étrangères a démenti jeudi tout projet d'accord secret.",
           "Le Danemark n'enverra aucun ministre au sommet, a indiqué la diplomatie danoise.",
           "« C'est faux. Le Portugal n'a rien signé », a déclaré le ministère portugais des Affaires étrangères."],
    "en": ["The Latvian foreign ministry said the report was baseless and politically motivated.",
           '"The minister will not attend," a spokesman said, adding that Norway would not send a delegation.',
           "Chile firmly denied the report about a secret plan, the foreign ministry said."],
    "es": ["«Es falso. Nuestro país no ha firmado nada», afirmó la Cancillería de Chile."],
    "de": ["Das Außenministerium in Wien wies den Bericht über einen geheimen Plan entschieden zurück."],
}


MAX_SENTENCES_PER_LANGUAGE = 16


def _corpus(engine: Engine, seed: int = 11) -> list[Article]:
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for rule in engine.rules:
        lang = rule.languages[0] if rule.languages else "en"
        by_lang.setdefault(lang, []).extend(rule.examples.match + rule.examples.no_match)
    for lang in FILLER:
        by_lang.setdefault(lang, []).extend(FILLER[lang] * 2 + CUES[lang])
    articles = []
    for lang, sentences in sorted(by_lang.items()):
        pool = list(sentences)
        rng.shuffle(pool)
        pool = pool[:MAX_SENTENCES_PER_LANGUAGE]  # the general path parses everything: keep it quick
        filler = FILLER.get(lang, FILLER["en"])
        for k in range(0, len(pool), 4):
            chunk = pool[k:k + 4]
            paras = [" ".join([rng.choice(filler), s]) for s in chunk[1:]]
            articles.append(Article(id=f"eq-{lang}-{k}", title=chunk[0], body="\n\n".join(paras) or chunk[0], lang=lang))
    return articles


def _key(alerts) -> set:
    return {(a.rule_id, a.evidence.field, a.evidence.sentence, a.denier and (a.denier.name, a.denier.country),
             a.target and a.target.country) for a in alerts}


@pytest.fixture(scope="module")
def pack_engine(fr_pipeline, backend):
    return Engine.from_dir(REPO / "config" / "rules", REPO / "config" / "gazetteers", backend=backend)


def test_fast_path_and_general_path_give_the_same_alerts(pack_engine):
    corpus = _corpus(pack_engine)
    assert len(corpus) > 20
    fast_total = 0
    for article in corpus:
        fast = _key(pack_engine.alerts(article))
        general = _key(pack_engine.alerts(article, prefilter=False))
        assert fast == general, article.id
        fast_total += len(fast)
    assert fast_total > 10  # the corpus does exercise the rules


def test_common_words_do_not_make_a_unit_a_candidate(pack_engine):
    """Filler made of frequent words ("report", "plan", "said", "projet") never reaches spaCy."""
    before = dict(pack_engine.stats)
    for lang, sentences in FILLER.items():
        pack_engine.alerts(Article(id=f"filler-{lang}", title=sentences[0], body="\n\n".join(sentences), lang=lang))
    assert pack_engine.stats["stage2_articles"] == before["stage2_articles"]


def _full(alerts) -> list:
    return [a.model_dump(exclude={"detected_at", "ingested_at"}) for a in alerts]


def test_alerts_batch_gives_exactly_the_alerts_of_one_call_per_article(pack_engine):
    """Engine.alerts_batch parses the units of all articles together (nlp.pipe): same alerts, same
    evidence, spans, denier, target and quote as one ``alerts`` call per article, in order; also
    with ``only`` and with articles without any cue or without text in between."""
    corpus = _corpus(pack_engine) + [Article(id="empty", body=" "), Article(id="plain", body="Il pleut.", lang="fr")]
    random.Random(3).shuffle(corpus)
    batch = pack_engine.alerts_batch(corpus)
    assert [_full(alerts) for alerts, _ in batch] == [_full(pack_engine.alerts(a)) for a in corpus]
    assert all(errors == [] for _, errors in batch)
    assert sum(len(alerts) for alerts, _ in batch) > 10
    only = [r.id for r in pack_engine.rules[::2]]
    assert [_full(alerts) for alerts, _ in pack_engine.alerts_batch(corpus, only=only)] == \
        [_full(pack_engine.alerts(a, only=only)) for a in corpus]
