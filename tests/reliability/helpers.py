"""Helpers for the reliability tests: scraping /metrics over HTTP, invented articles, process control.

Articles are generated from templates with invented countries and people (never from the dev
corpus), so a test can make hundreds of distinct denials and non-denials.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections import defaultdict

from prometheus_client.parser import text_string_to_metric_families

from dementi.records import Article

COUNTRIES = ["Valmorie", "Borduria", "Syldavia", "Ruritania", "Freedonia", "Elbonia", "Latveria", "Genovia",
             "Osterlich", "Carpathia", "Moravenia", "Kravonia"]
PEOPLE = ["Ilse Marbach", "Tomas Verhoeven", "Anja Kessel", "Piet Ondaatje", "Lior Castaneda", "Mira Solberg"]
FR_DENIALS = [
    "Le ministère des Affaires étrangères de la {c} a démenti {d} les informations d'un quotidien sur un accord secret avec la {o}.",
    "Le gouvernement de la {c} dément catégoriquement avoir livré des armes à la {o}, selon un communiqué publié {d}.",
    "Le porte-parole du ministère des Affaires étrangères de la {c} a démenti {d} toute négociation avec la {o}.",
]
EN_DENIALS = [
    "The foreign ministry of {c} on {d} denied reports that it had signed a secret pact with {o}.",
    "{c}'s government flatly denied claims that its troops had crossed into {o} on {d}.",
]
NEUTRAL = [
    "Des averses sont attendues {d} sur la côte de la {c}, avec des éclaircies en fin de journée.",
    "Le club de football de la capitale de la {c} a remporté {d} son troisième match de la saison.",
    "A new bridge linking two provinces of {c} opened to traffic on {d}, officials said.",
    "{p} a publié {d} un roman sur l'histoire des ports de la {c}.",
    "Farmers in {c} expect a record harvest after a mild spring, a cooperative said on {d}.",
]
DAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def make_articles(n: int, seed: int, denial_share: float = 0.3, tag: str = "a") -> list[Article]:
    """``n`` distinct invented articles, about ``denial_share`` of them denials (fr and en)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        c, o = rng.sample(COUNTRIES, 2)
        p = rng.choice(PEOPLE)
        if rng.random() < denial_share:
            if rng.random() < 0.6:
                body, lang = rng.choice(FR_DENIALS).format(c=c, o=o, d=rng.choice(DAYS_FR)), "fr"
            else:
                body, lang = rng.choice(EN_DENIALS).format(c=c, o=o, d=rng.choice(DAYS_EN)), "en"
        else:
            tpl = rng.choice(NEUTRAL)
            lang = "fr" if tpl.startswith(("Des", "Le", "{p}")) else "en"
            body = tpl.format(c=c, p=p, d=rng.choice(DAYS_FR if lang == "fr" else DAYS_EN))
        out.append(Article(url=f"https://reliability.example/{tag}/{seed}/{i}", title=f"Dépêche {tag}-{i}",
                           body=body, lang=lang, source="Gazette inventée"))
    return out


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - 127.0.0.1 only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def scrape(port: int) -> dict[str, dict[tuple, float]]:
    """``{sample_name: {sorted label items: value}}`` from a live /metrics endpoint."""
    code, body = http_get(f"http://127.0.0.1:{port}/metrics")
    assert code == 200, body[:200]
    out: dict[str, dict[tuple, float]] = defaultdict(dict)
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            out[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def health(port: int) -> tuple[int, dict]:
    code, body = http_get(f"http://127.0.0.1:{port}/healthz")
    return code, json.loads(body)
