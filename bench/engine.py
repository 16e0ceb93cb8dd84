"""Benchmark of the rule engine (not a test): prints a table, asserts nothing.

    .venv/bin/python bench/engine.py                 # 2,400 articles, baseline on 60 of them
    .venv/bin/python bench/engine.py --n 200 --baseline 10   # smoke run

One mixed stream of synthetic French/English news articles (300-800 words, ~5 % with a denial or
refusal cue), generated from templates written for this benchmark (no corpus text). Measured in
the same process, one core:
  * prefilter only  -- stage 1 (fold + Aho-Corasick) on every article;
  * full engine     -- ``engine.alerts`` on every article (stage 2 runs spaCy on candidate units);
  * no-cue path     -- ``engine.alerts`` on the articles without any cue;
  * naive baseline  -- the full fr_core_news_sm pipeline on every article. It runs ~10 articles/s,
    so it is measured on a subset (--baseline N articles, same mix) and the rate extrapolated.
Rates are per CPU second of this process (the machine is shared: wall-clock rates are shown too).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dementi.records import Article  # noqa: E402

FR_PEOPLE = ["Claire Vasseur", "Julien Marchetti", "Sofia Benali", "Henri Delaunay", "Nadia Okafor", "Paul Rensky"]
FR_PLACES = ["Lyon", "Marseille", "Nantes", "Lille", "Bordeaux", "Rennes", "Grenoble", "Dijon", "Tours", "Metz"]
FR_TOPICS = ["la réforme des retraites", "le prix de l'énergie", "la rentrée scolaire", "le festival d'été",
             "la saison de ski", "les travaux du tramway", "le budget municipal", "la vendange", "le marché immobilier"]
FR_SENTENCES = [
    "À {place}, {person} a présenté mardi un projet consacré à {topic}, qui doit être examiné en commission d'ici {n} semaines.",
    "Selon les chiffres publiés par l'institut régional, {topic} concerne désormais près de {n} 000 ménages dans la région.",
    "Les élus de {place} estiment que {topic} mérite un débat plus large avant toute décision définitive.",
    "{person}, adjointe chargée de la culture, a rappelé que les inscriptions resteront ouvertes jusqu'à la fin du mois.",
    "Le chantier, lancé il y a {n} mois, devrait s'achever au printemps si la météo reste clémente.",
    "Dans les commerces du centre-ville, les clients interrogés se disent plutôt satisfaits de l'évolution des prix.",
    "La préfecture a annoncé la réouverture de la route départementale après d'importants travaux de rénovation.",
    "Au stade municipal, l'équipe locale s'est imposée {n} buts à un devant un public nombreux et enthousiaste.",
    "Le musée des beaux-arts de {place} accueille jusqu'en janvier une exposition consacrée aux peintres voyageurs.",
    "Les syndicats demandent une concertation sur {topic} et proposent une série de rencontres avec la direction.",
    "Le conseil départemental a voté une enveloppe de {n} millions d'euros pour moderniser les collèges du secteur.",
    "Les prévisionnistes annoncent des averses sur le littoral et des températures en légère baisse pour le week-end.",
    "{person} a souligné l'importance d'associer les habitants aux choix qui seront faits dans les prochains mois.",
    "Une réunion publique est prévue jeudi soir à la salle des fêtes pour présenter les grandes lignes du projet.",
    "Les bénévoles de l'association ont distribué plus de {n} repas pendant la semaine de solidarité.",
    "La start-up installée à {place} a levé {n} millions d'euros pour développer son application de covoiturage.",
    "Le tribunal administratif examinera le recours des riverains lors d'une audience fixée au mois prochain.",
    "Les agriculteurs de la vallée observent avec inquiétude la baisse des nappes phréatiques depuis le début de l'été.",
]
FR_CUES = [
    "Le ministère russe des Affaires étrangères a démenti jeudi les déclarations de Washington sur un accord de coopération.",
    "Pékin dément formellement toute implication dans cette affaire, selon un communiqué du porte-parole.",
    "La Turquie ne participera à aucune opération militaire conduite sans mandat des Nations unies, a indiqué Ankara.",
    "Le Quai d'Orsay rejette les accusations formulées par Moscou et les juge dénuées de tout fondement.",
    "Le gouvernement iranien a refusé l'offre de médiation présentée par l'Union européenne.",
]
EN_PEOPLE = ["Maria Holt", "Daniel Reyes", "Priya Natarajan", "Tom Eckert", "Grace Liu", "Samuel Obi"]
EN_PLACES = ["Leeds", "Bristol", "Denver", "Portland", "Glasgow", "Austin", "Cardiff", "Tampa", "Halifax"]
EN_TOPICS = ["the housing plan", "the school budget", "the new bike lanes", "the water contract", "the summer festival",
             "the hospital expansion", "the bus timetable", "the energy rebate", "the harbour project"]
EN_SENTENCES = [
    "In {place}, {person} presented a plan on {topic} on Tuesday, and councillors will vote on it within {n} weeks.",
    "Figures released by the regional office show that {topic} now affects about {n},000 households.",
    "Local business owners said trade had picked up over the past {n} months after a slow start to the year.",
    "{person}, who chairs the transport committee, said the consultation would stay open until the end of the month.",
    "The works, started {n} months ago, are expected to finish in the spring if the weather holds.",
    "Residents packed the community hall on Thursday evening to hear the first details of {topic}.",
    "The home side won {n}-1 in front of a crowd of several thousand at the riverside ground.",
    "The museum in {place} is hosting an exhibition on travelling painters until January.",
    "Forecasters expect showers on the coast and slightly cooler temperatures over the weekend.",
    "The county council approved {n} million dollars to upgrade secondary schools across the district.",
    "Volunteers served more than {n} meals during the charity week, organisers said.",
    "A start-up based in {place} raised {n} million to expand its car-sharing app to three new cities.",
    "Farmers in the valley are watching groundwater levels fall with growing concern.",
    "{person} said the city would publish a full report on {topic} before the end of the year.",
    "The court will hear the residents' appeal at a hearing set for next month.",
]
EN_CUES = [
    "The Russian foreign ministry denied on Thursday that any agreement had been reached with Washington.",
    "Beijing firmly rejects the accusations, the foreign ministry spokesperson told reporters.",
    "The Kremlin refused to take part in the talks proposed by the European Union.",
]


def make_stream(n: int, cue_rate: float = 0.05, seed: int = 7) -> list[Article]:
    """``n`` articles, fr/en ~ 60/40, 300-800 words, a cue sentence in ~``cue_rate`` of them."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        fr = rng.random() < 0.6
        sents, people, places, topics = (FR_SENTENCES, FR_PEOPLE, FR_PLACES, FR_TOPICS) if fr else \
            (EN_SENTENCES, EN_PEOPLE, EN_PLACES, EN_TOPICS)
        target_words = rng.randint(300, 800)
        paras, para, words = [], [], 0
        while words < target_words:
            s = rng.choice(sents).format(person=rng.choice(people), place=rng.choice(places),
                                         topic=rng.choice(topics), n=rng.randint(2, 90))
            para.append(s)
            words += len(s.split())
            if len(para) >= rng.randint(3, 5):
                paras.append(" ".join(para))
                para = []
        if para:
            paras.append(" ".join(para))
        has_cue = rng.random() < cue_rate
        if has_cue:
            k = rng.randrange(len(paras))
            paras[k] = paras[k] + " " + rng.choice(FR_CUES if fr else EN_CUES)
        title = ("Actualité : " if fr else "News: ") + rng.choice(topics)
        out.append(Article(id=f"bench-{i}", url=f"https://bench.example/{i}", title=title,
                           body="\n\n".join(paras), lang="fr" if fr else "en", source="cue" if has_cue else ""))
    return out


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def timed(fn):
    """(result, wall seconds, CPU seconds of this process). On a shared machine the CPU time is
    the honest "one core" measure; the wall time is shown too."""
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - w, time.process_time() - c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2400, help="articles in the stream (default 2400)")
    parser.add_argument("--baseline", type=int, default=60, help="articles for the naive baseline (default 60)")
    parser.add_argument("--rules", type=Path, default=ROOT / "config" / "rules")
    parser.add_argument("--gazetteers", type=Path, default=ROOT / "config" / "gazetteers")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from rules.engine import Engine
    from rules.nlp import get_pipeline

    stream = make_stream(args.n)
    words = sum(len(a.body.split()) for a in stream) / len(stream)
    engine = Engine.from_dir(args.rules, args.gazetteers)
    import spacy

    get_pipeline("fr")  # warm-up so that model loading is not counted
    get_pipeline("en")
    nlp_full = spacy.load("fr_core_news_sm")  # the naive baseline: the complete pipeline, NER included
    for a in stream[:300]:  # warm-up: RE2 builds its DFA lazily, caches fill; a worker runs for days
        engine.alerts(a)

    cue_flags, w_pre, t_pre = timed(lambda: [engine.has_cue(a) for a in stream])
    before = dict(engine.stats)
    alerts, w_full, t_full = timed(lambda: [engine.alerts(a) for a in stream])
    stage2 = engine.stats["stage2_articles"] - before["stage2_articles"]
    stage2_units = engine.stats["stage2_units"] - before["stage2_units"]
    no_cue = [a for a, f in zip(stream, cue_flags) if not f]
    _, w_nocue, t_nocue = timed(lambda: [engine.alerts(a) for a in no_cue])
    subset = stream[: args.baseline]
    _, w_naive, t_naive = timed(lambda: [nlp_full(f"{a.title}\n{a.body}") for a in subset])

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive_rate = rate(len(subset), t_naive)
    full_rate = rate(len(stream), t_full)
    inserted = sum(1 for a in stream if a.source == "cue")
    table = Table(title=f"rules engine: {len(stream)} articles, avg {words:.0f} words, {inserted} "
                        f"({100 * inserted / len(stream):.1f} %) with a denial/refusal sentence, {sum(cue_flags)} "
                        f"holding all literal clauses of some rule; {len(engine.rules)} rules, "
                        f"{engine._prefilter.literal_count} literals", min_width=100)
    for col in ("path", "articles", "CPU s", "articles/s (CPU)", "articles/s (wall)", "vs naive (CPU)"):
        table.add_column(col, justify="left" if col == "path" else "right")
    rows = [("prefilter only (stage 1)", len(stream), t_pre, w_pre),
            ("full engine (stage 1 + 2)", len(stream), t_full, w_full),
            ("no-cue articles, full engine", len(no_cue), t_nocue, w_nocue),
            (f"naive: full fr_core_news_sm, every article (first {len(subset)})", len(subset), t_naive, w_naive)]
    for name, n, secs, wall in rows:
        r = rate(n, secs)
        table.add_row(name, str(n), f"{secs:.2f}", f"{r:,.0f}", f"{rate(n, wall):,.0f}", f"{r / naive_rate:,.1f}×")
    Console(width=140).print(table)
    false_alarms = sum(1 for art, al in zip(stream, alerts) if al and art.source != "cue")
    missed = sum(1 for art, al in zip(stream, alerts) if not al and art.source == "cue")
    print(f"alerts: {sum(len(a) for a in alerts)} on {sum(1 for a in alerts if a)} articles "
          f"({false_alarms} without an inserted cue sentence, {missed} cue articles without alert); "
          f"full engine / naive = {full_rate / naive_rate:.1f}× (target ≥ 30×); "
          f"no-cue path {rate(len(no_cue), t_nocue):,.0f} articles/s (target ≥ 10,000); rates per CPU second of this "
          f"process (one core); peak RSS {peak_mb:.0f} MB")
    print(f"stage 2 (spaCy): {stage2} of {len(stream)} articles ({100 * stage2 / len(stream):.1f} %), "
          f"{stage2_units} units parsed ({stage2_units / max(stage2, 1):.1f} per such article)")


if __name__ == "__main__":
    main()
