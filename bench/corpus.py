"""Synthetic news articles for the benchmarks (team-written templates, no corpus text).

Why not repeat a handful of sentences: spaCy's tokenizer, the Aho-Corasick prefilter and the
string store all cache by word, so a stream built from ten sentences measures the caches, not
the engine. Here names of people, towns and companies are invented from syllables (thousands of
distinct surface forms), filler sentences come from ~50 fr/en templates with varied slots, and
lengths are drawn in 300-800 words. A configurable share of articles carries a denial/refusal cue
by a state actor (capital metonym, "ministère russe des Affaires étrangères", "the Iranian
government"...), another share a HARD NEGATIVE: clubs, companies, courts and town halls using the
same verbs ("Le club dément tout accord", "a judge refused bail"). Everything is driven by one
seeded RNG, so a run is reproducible.

    .venv/bin/python bench/corpus.py --n 1000 --out /tmp/articles.jsonl
    .venv/bin/python bench/corpus.py --n 1000 --cue-share 0.1 --hard-share 0.1 --fr-share 0.5 --seed 3

Each JSONL line is an Article (url, title, body, lang, source) plus ``kind`` (plain | cue |
hard_negative), ``label`` (1 for cue) and ``actor`` (ISO alpha-3 of the denier for cue articles);
extra keys are ignored by the worker and by ``dementi scan``, and ``dementi eval`` reads label/kind.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

# --- invented vocabulary ------------------------------------------------------------------------
_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "j", "k", "l", "m", "n", "p", "pr", "r", "s",
           "st", "t", "tr", "v", "vr", "z"]
_VOWELS = ["a", "e", "i", "o", "u", "ou", "ai", "ei", "au", "ia"]
_CODAS = ["", "", "n", "r", "l", "s", "t", "nd", "rt", "x", "m"]
FR_FIRST = ["Claire", "Julien", "Sofia", "Henri", "Nadia", "Paul", "Élodie", "Mathis", "Inès", "Bastien", "Léa",
            "Karim", "Agathe", "Yannick", "Solène", "Théo", "Margaux", "Rémi", "Anaïs", "Gaspard", "Lucie", "Omar"]
EN_FIRST = ["Maria", "Daniel", "Priya", "Tom", "Grace", "Samuel", "Olivia", "Ethan", "Hannah", "Marcus", "Chloe",
            "Liam", "Aisha", "Connor", "Ruth", "Felix", "Nora", "Isaac", "Megan", "Victor", "Zoe", "Arjun"]
FR_TOWN_SUFFIX = ["-sur-Loire", "-le-Vieux", "-en-Bresse", "ville", "court", "-la-Forêt", "mont", "-les-Bains", ""]
EN_TOWN_SUFFIX = ["ton", "ford", "bury", " Falls", "field", " Harbor", "wick", "dale", ""]
COMPANY_SUFFIX = ["Industries", "Logistique", "Group", "Énergie", "Systems", "Conseil", "Foods", "Mobilité", "Labs"]


def invent(rng: random.Random, syllables: tuple[int, int] = (2, 3)) -> str:
    word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(*syllables)))
    return (word + rng.choice(_CODAS)).capitalize()


def person(rng: random.Random, fr: bool) -> str:
    return f"{rng.choice(FR_FIRST if fr else EN_FIRST)} {invent(rng)}"


def town(rng: random.Random, fr: bool) -> str:
    return invent(rng, (1, 2)) + rng.choice(FR_TOWN_SUFFIX if fr else EN_TOWN_SUFFIX)


def company(rng: random.Random) -> str:
    return f"{invent(rng, (1, 2))} {rng.choice(COMPANY_SUFFIX)}"


# --- filler: everyday local news --------------------------------------------------------------
FR_TOPICS = ["la réforme des retraites", "le prix de l'énergie", "la rentrée scolaire", "le festival d'été",
             "la saison de ski", "les travaux du tramway", "le budget municipal", "la vendange", "le marché immobilier",
             "la piscine intercommunale", "le plan vélo", "la fermeture de la maternité", "la fibre optique",
             "le nouveau lycée", "la collecte des déchets", "les horaires des bus", "la foire aux vins"]
EN_TOPICS = ["the housing plan", "the school budget", "the new bike lanes", "the water contract", "the summer festival",
             "the hospital expansion", "the bus timetable", "the energy rebate", "the harbour project",
             "the library closure", "the flood defences", "the parking charges", "the broadband rollout",
             "the youth centre", "the bridge repairs", "the farmers' market", "the recycling scheme"]
FR_ADJ = ["ambitieux", "coûteux", "attendu", "contesté", "modeste", "inédit", "discret", "provisoire", "prudent"]
EN_ADJ = ["ambitious", "costly", "long-awaited", "contested", "modest", "unusual", "quiet", "temporary", "cautious"]
FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

FR_FILLER = [
    "À {town}, {person} a présenté {day} un projet {adj} consacré à {topic}, examiné en commission d'ici {n} semaines.",
    "Selon l'institut régional, {topic} concerne désormais près de {n} 000 ménages du département.",
    "Les élus de {town} estiment que {topic} mérite un débat plus large avant toute décision.",
    "{person}, adjointe à la culture, rappelle que les inscriptions restent ouvertes jusqu'à la fin du mois.",
    "Le chantier, lancé il y a {n} mois, devrait s'achever au printemps si la météo reste clémente.",
    "Dans les commerces du centre de {town}, les clients se disent plutôt satisfaits de l'évolution des prix.",
    "La préfecture a annoncé la réouverture de la départementale après {n} semaines de travaux.",
    "Au stade de {town}, l'équipe locale s'est imposée {n} à un devant un public nombreux.",
    "Le musée de {town} accueille jusqu'en janvier une exposition consacrée aux peintres voyageurs.",
    "Les syndicats demandent une concertation sur {topic} et proposent des rencontres avec la direction.",
    "Le conseil départemental a voté {n} millions d'euros pour moderniser les collèges du secteur.",
    "Les prévisionnistes annoncent des averses sur le littoral et des températures en baisse ce week-end.",
    "{person} souligne l'importance d'associer les habitants de {town} aux choix des prochains mois.",
    "Une réunion publique est prévue {day} soir à la salle des fêtes pour présenter le projet.",
    "Les bénévoles de l'association ont distribué plus de {n} repas pendant la semaine de solidarité.",
    "La jeune pousse {company}, installée à {town}, a levé {n} millions d'euros pour son application.",
    "Les agriculteurs de la vallée observent avec inquiétude la baisse des nappes phréatiques.",
    "Un dispositif {adj} de covoiturage sera testé entre {town} et {town2} à partir de la rentrée.",
    "{person} a été réélu à la tête du comité des fêtes avec {n} voix sur {n2}.",
    "La médiathèque prolonge ses horaires le {day} pour accueillir les lycéens en période d'examens.",
    "Le marché couvert de {town} rouvrira après une rénovation jugée {adj} par les commerçants.",
    "Les pompiers sont intervenus {day} matin pour un feu de broussailles près de {town}.",
    "L'entreprise {company} recrute {n} saisonniers pour la récolte et la mise en bouteille.",
    "Le collectif d'habitants a remis une pétition de {n} 000 signatures au maire de {town}.",
    "Selon {person}, chercheuse à l'université, {topic} reste un sujet {adj} pour la majorité.",
]
EN_FILLER = [
    "In {town}, {person} presented a {adj} plan on {topic} on {day}; councillors vote within {n} weeks.",
    "Figures from the regional office show that {topic} now affects about {n},000 households.",
    "Business owners in {town} said trade had picked up over the past {n} months.",
    "{person}, who chairs the transport committee, said the consultation stays open until the end of the month.",
    "The works, started {n} months ago, should finish in the spring if the weather holds.",
    "Residents packed the community hall in {town} on {day} evening to hear about {topic}.",
    "The home side won {n}-1 in front of a crowd of several thousand at the riverside ground.",
    "The museum in {town} is hosting an exhibition on travelling painters until January.",
    "Forecasters expect showers on the coast and slightly cooler temperatures over the weekend.",
    "The county council approved {n} million dollars to upgrade secondary schools across the district.",
    "Volunteers served more than {n} meals during the charity week, organisers said.",
    "{company}, a start-up based in {town}, raised {n} million to expand its car-sharing app.",
    "Farmers in the valley are watching groundwater levels fall with growing concern.",
    "{person} said the city would publish a full report on {topic} before the end of the year.",
    "A {adj} pilot scheme will link {town} and {town2} with an on-demand bus from September.",
    "{person} was re-elected chair of the allotment society with {n} votes out of {n2}.",
    "The library will open late on {day}s so that students can revise before their exams.",
    "Firefighters were called to a grass fire near {town} early on {day} morning.",
    "{company} is hiring {n} seasonal workers for the harvest, the firm said.",
    "A residents' group handed a petition with {n},000 signatures to the mayor of {town}.",
    "According to {person}, a researcher at the university, {topic} remains a {adj} issue.",
    "The covered market in {town} reopens after a refurbishment traders called {adj}.",
    "Local schools reported {n} per cent more pupils walking or cycling than last year.",
    "The harbour master in {town} said the new pontoons would be ready before the regatta.",
    "Planning officers recommended approval of {n} new homes on the edge of {town}.",
]

# --- cues: state actors that deny or refuse -----------------------------------------------------
# (ISO alpha-3, French capital, English capital, French demonym, English demonym) — forms the
# shipped gazetteers know (config/gazetteers/capitals.yaml, demonyms.yaml).
ACTORS = [
    ("RUS", "Moscou", "Moscow", "russe", "Russian"), ("USA", "Washington", "Washington", "américain", "American"),
    ("CHN", "Pékin", "Beijing", "chinois", "Chinese"), ("FRA", "Paris", "Paris", "français", "French"),
    ("GBR", "Londres", "London", "britannique", "British"), ("DEU", "Berlin", "Berlin", "allemand", "German"),
    ("ITA", "Rome", "Rome", "italien", "Italian"), ("ESP", "Madrid", "Madrid", "espagnol", "Spanish"),
    ("UKR", "Kiev", "Kyiv", "ukrainien", "Ukrainian"), ("JPN", "Tokyo", "Tokyo", "japonais", "Japanese"),
    ("KOR", "Séoul", "Seoul", "sud-coréen", "South Korean"), ("IND", "New Delhi", "New Delhi", "indien", "Indian"),
    ("PAK", "Islamabad", "Islamabad", "pakistanais", "Pakistani"), ("IRN", "Téhéran", "Tehran", "iranien", "Iranian"),
    ("TUR", "Ankara", "Ankara", "turc", "Turkish"), ("SYR", "Damas", "Damascus", "syrien", "Syrian"),
    ("EGY", "Le Caire", "Cairo", "égyptien", "Egyptian"), ("SAU", "Riyad", "Riyadh", "saoudien", "Saudi"),
    ("IRQ", "Bagdad", "Baghdad", "irakien", "Iraqi"), ("QAT", "Doha", "Doha", "qatari", "Qatari"),
    ("DZA", "Alger", "Algiers", "algérien", "Algerian"), ("MAR", "Rabat", "Rabat", "marocain", "Moroccan"),
    ("TUN", "Tunis", "Tunis", "tunisien", "Tunisian"), ("MLI", "Bamako", "Bamako", "malien", "Malian"),
    ("SEN", "Dakar", "Dakar", "sénégalais", "Senegalese"), ("RWA", "Kigali", "Kigali", "rwandais", "Rwandan"),
    ("NGA", "Abuja", "Abuja", "nigérian", "Nigerian"), ("POL", "Varsovie", "Warsaw", "polonais", "Polish"),
]
FR_CLAIMS = ["la présence de ses troupes près de la frontière", "un accord secret sur le gaz",
             "le financement d'une campagne de désinformation", "l'envoi d'armes dans la région",
             "une rencontre discrète entre émissaires", "la livraison de drones à un groupe armé"]
EN_CLAIMS = ["troops massing near the border", "a secret gas deal", "funding a disinformation campaign",
             "arms shipments to the region", "a quiet meeting between envoys", "drone deliveries to an armed group"]
FR_INITIATIVES = ["la conférence de paix", "la coalition navale", "la mission d'observation", "le sommet régional"]
EN_INITIATIVES = ["peace conference", "naval coalition", "monitoring mission", "regional summit"]

FR_CUES = [
    "{Cap} a démenti {day} les informations faisant état de {claim}, selon un communiqué officiel.",
    "Le ministère {dem} des Affaires étrangères a démenti {day} toute implication dans {claim}.",
    "Le gouvernement {dem} dément formellement {claim} et parle d'une « rumeur sans fondement ».",
    "Le chef de la diplomatie {dem} a rejeté les accusations de {Cap2}, qu'il juge infondées.",
    "{Cap} a refusé de participer à {initiative} proposée par {Cap2}, a indiqué le porte-parole.",
    "Le président {dem} a rejeté l'offre de médiation présentée par {Cap2}.",
    "Le gouvernement {dem} ne participera à aucune coalition sans mandat des Nations unies, a prévenu {Cap}.",
]
EN_CUES = [
    "{Cap} denied on {day} reports of {claim}, calling them fabricated.",
    "The {dem} foreign ministry flatly denied any involvement in {claim}.",
    "The {dem} government rejected accusations from {Cap2} as baseless.",
    "{Cap} refused to take part in the {initiative} proposed by {Cap2}, a spokesperson said.",
    "The {dem} foreign minister dismissed claims of {claim} as absurd.",
]
# Same verbs, no state actor: clubs, companies, courts, town halls, celebrities.
FR_HARD = [
    "Le club de {town} a démenti tout accord avec {person} pour un transfert cet été.",
    "Le FC {inv} dément les rumeurs de départ de son entraîneur, {person}.",
    "La société {company} rejette les accusations de ses anciens salariés et dénonce une campagne de dénigrement.",
    "Le tribunal de {town} a refusé la demande de remise en liberté de {person}.",
    "La cour d'appel a rejeté le recours déposé par {company} contre la décision de l'autorité.",
    "La mairie de {town} dément avoir augmenté la taxe foncière cette année.",
    "Le Paris Saint-Germain a démenti les informations de presse sur une offre pour {person}.",
    "{person}, chanteuse originaire de {town}, dément toute brouille avec son ancien producteur.",
    "Air France a rejeté les revendications salariales des pilotes et refuse de rouvrir les négociations.",
]
EN_HARD = [
    "The club denied reports that {person} had agreed terms with a rival side.",
    "{company} rejected the union's claims and refused to reopen pay talks.",
    "A judge in {town} refused bail to {person} on {day}.",
    "The appeals court rejected a challenge brought by {company} against the regulator.",
    "{town} city council denied that the library budget had been cut.",
    "Real Madrid denied any contact with {person}'s agent.",
    "{person}, the singer from {town}, denied rumours of a feud with her former label.",
    "The company refused to comment on the lawsuit filed in {town}.",
]


def _fill(template: str, rng: random.Random, fr: bool, **extra: str) -> str:
    slots = dict(town=town(rng, fr), town2=town(rng, fr), person=person(rng, fr), company=company(rng),
                 topic=rng.choice(FR_TOPICS if fr else EN_TOPICS), adj=rng.choice(FR_ADJ if fr else EN_ADJ),
                 day=rng.choice(FR_DAYS if fr else EN_DAYS), n=str(rng.randint(2, 90)), n2=str(rng.randint(91, 400)),
                 inv=invent(rng, (1, 2)))
    slots.update(extra)
    return template.format(**slots)


def cue_sentence(rng: random.Random, fr: bool) -> tuple[str, str]:
    """One denial/refusal by a state actor; returns (sentence, ISO alpha-3 of the denier)."""
    actor, other = rng.sample(ACTORS, 2)
    iso, cap_fr, cap_en, dem_fr, dem_en = actor
    text = _fill(rng.choice(FR_CUES if fr else EN_CUES), rng, fr, Cap=cap_fr if fr else cap_en,
                 Cap2=other[1] if fr else other[2], dem=dem_fr if fr else dem_en,
                 claim=rng.choice(FR_CLAIMS if fr else EN_CLAIMS),
                 initiative=rng.choice(FR_INITIATIVES if fr else EN_INITIATIVES))
    return text, iso


def make_article(i: int, rng: random.Random, kind: str = "plain", fr: bool = True, seed: int = 0,
                 words: tuple[int, int] = (300, 800)) -> dict:
    """One article dict (Article fields + kind/label/actor)."""
    target = rng.randint(*words)
    filler = FR_FILLER if fr else EN_FILLER
    paras, para, count = [], [], 0
    per_para = rng.randint(3, 6)
    while count < target:
        sentence = _fill(rng.choice(filler), rng, fr)
        para.append(sentence)
        count += sentence.count(" ") + 1
        if len(para) >= per_para:
            paras.append(" ".join(para))
            para, per_para = [], rng.randint(3, 6)
    if para:
        paras.append(" ".join(para))
    actor = None
    if kind == "cue":
        extra, actor = cue_sentence(rng, fr)
    elif kind == "hard_negative":
        extra = _fill(rng.choice(FR_HARD if fr else EN_HARD), rng, fr)
    if kind != "plain":
        k = rng.randrange(len(paras))
        paras[k] = f"{paras[k]} {extra}"
    topic = rng.choice(FR_TOPICS if fr else EN_TOPICS)
    title = (f"{town(rng, fr)} : {topic}, un dossier {rng.choice(FR_ADJ)}" if fr
             else f"{town(rng, fr)}: {topic} under scrutiny")
    out = {"url": f"https://bench.example/{seed}/{i}", "title": title, "body": "\n\n".join(paras),
           "lang": "fr" if fr else "en", "source": "bench", "kind": kind, "label": int(kind == "cue")}
    if actor:
        out["actor"] = actor
    return out


def generate(n: int, cue_share: float = 0.05, hard_share: float = 0.05, fr_share: float = 0.6, seed: int = 7,
             start: int = 0) -> list[dict]:
    """``n`` article dicts; kinds drawn independently with the given shares (seeded, reproducible)."""
    if not 0 <= cue_share + hard_share <= 1:
        raise ValueError("cue_share + hard_share must be within [0, 1]")
    rng = random.Random(seed)
    out = []
    for i in range(start, start + n):
        r = rng.random()
        kind = "cue" if r < cue_share else "hard_negative" if r < cue_share + hard_share else "plain"
        out.append(make_article(i, rng, kind, fr=rng.random() < fr_share, seed=seed))
    return out


def make_stream(n: int, cue_rate: float = 0.05, seed: int = 7, hard_share: float = 0.05, fr_share: float = 0.6):
    """The same stream as ``generate`` but as ``dementi.records.Article`` objects (engine benches)."""
    from dementi.records import Article

    return [Article.model_validate(d) for d in generate(n, cue_rate, hard_share, fr_share, seed)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--out", type=Path, help="JSONL file to write (default: stdout)")
    parser.add_argument("--cue-share", type=float, default=0.05, help="share with a state denial/refusal cue")
    parser.add_argument("--hard-share", type=float, default=0.05, help="share of hard negatives (clubs, firms, courts)")
    parser.add_argument("--fr-share", type=float, default=0.6, help="share of French articles (rest English)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    articles = generate(args.n, args.cue_share, args.hard_share, args.fr_share, args.seed)
    lines = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    kinds = Counter((a["kind"], a["lang"]) for a in articles)
    words = [a["body"].count(" ") + 1 for a in articles]
    vocab = {w for a in articles for w in a["body"].split()}
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"synthetic corpus ({len(articles)})")
    for col in ("kind", "fr", "en", "share"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind in ("plain", "cue", "hard_negative"):
        both = kinds[(kind, "fr")] + kinds[(kind, "en")]
        table.add_row(kind, str(kinds[(kind, "fr")]), str(kinds[(kind, "en")]), f"{100 * both / max(1, len(articles)):.1f} %")
    Console(file=sys.stderr if not args.out else sys.stdout).print(table)
    print(f"seed {args.seed}; words per article: min {min(words, default=0)}, mean {sum(words) / max(1, len(words)):.0f}, "
          f"max {max(words, default=0)}; distinct words: {len(vocab):,}"
          + (f"; written to {args.out}" if args.out else ""), file=sys.stderr if not args.out else sys.stdout)


if __name__ == "__main__":
    main()
