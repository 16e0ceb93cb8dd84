"""End to end on the real parts (issue 2): embedded Kafka-wire broker over TCP, `dementi worker`
and `dementi bot` as separate processes, the real python-telegram-bot talking HTTP to the local
Bot API test server, articles published with kafka-python. Nothing is faked."""

from __future__ import annotations

import html
import json

import pytest

from dementi.records import Article
from tests.e2e.conftest import messages_with, publish_in_order, subscribe
from tests.streams.helpers import TopicReader, stop_process, wait_for

pytestmark = pytest.mark.integration


def _fr(url: str, title: str, body: str, source: str = "example-news") -> Article:
    return Article(url=url, title=title, body=body, lang="fr", source=source)


# Invented sentences (not from any corpus).
DENIAL = _fr("https://news.example.org/monde/2026/11/29/moscou-dement",
             "Renseignement : Moscou dément tout accord avec Washington",
             "Le ministère russe des Affaires étrangères a démenti jeudi les propos du secrétaire d'Etat "
             "américain sur un prétendu accord de partage de renseignements. "
             "La Russie ne participera à aucune coalition formée sans mandat du Conseil de sécurité.")
NON_DENIAL = _fr("https://news.example.org/meteo/2026/11/29/pluie", "Météo : de la pluie attendue sur la Bretagne",
                 "Des averses sont attendues samedi sur l'ouest du pays, avec des vents modérés sur les côtes.")
HOSTILE = _fr("https://news.example.org/x?id=<b>&z=1", "<script>alert(1)</script> & Co",
              "Le Kremlin a démenti mardi avoir reçu une délégation étrangère, selon son porte-parole.",
              source="<i>feed</i>")
AFTER_RESTART = _fr("https://news.example.org/monde/2026/11/30/pekin-dement", "Pékin dément",
                    "Le ministère chinois des Affaires étrangères a démenti vendredi toute négociation secrète avec Tokyo.")


def test_denial_reaches_subscribed_chat_once_and_survives_bot_restart(stack):
    server, start, procs, settings, bootstrap, tmp = stack
    subscribe(server, tmp / "bot.log")

    publish_in_order(bootstrap, settings.articles_topic, [NON_DENIAL, DENIAL])
    alerts = TopicReader(bootstrap, settings.alerts_topic, settings.topic_partitions)
    try:
        wait_for(lambda: any(a["article_id"] == DENIAL.id for a in alerts.values()), 90,
                 "an alert for the denial article", procs["worker"], tmp / "worker.log")
        # Same partition, published first: the weather article has been processed and gave nothing.
        assert not [a for a in alerts.values() if a["article_id"] == NON_DENIAL.id]
    finally:
        alerts.close()

    wait_for(lambda: messages_with(server, DENIAL.url), 60, "the alert message in the chat",
             procs["bot"], tmp / "bot.log")
    assert not messages_with(server, NON_DENIAL.url)

    # Restart the bot process: the subscription is persisted in SQLite, nothing is re-sent.
    stop_process(procs["bot"])
    start("bot", ["bot"])
    publish_in_order(bootstrap, settings.articles_topic, [AFTER_RESTART])
    wait_for(lambda: messages_with(server, AFTER_RESTART.url), 90, "an alert after the bot restart",
             procs["bot"], tmp / "bot.log")
    assert len(messages_with(server, DENIAL.url)) == 1, "an alert was delivered twice"
    assert not messages_with(server, NON_DENIAL.url)


def test_hostile_title_arrives_as_escaped_text(stack):
    server, start, procs, settings, bootstrap, tmp = stack
    subscribe(server, tmp / "bot.log")
    publish_in_order(bootstrap, settings.articles_topic, [HOSTILE])
    wait_for(lambda: messages_with(server, "<script>alert(1)</script> & Co"), 90,
             "the hostile alert (as plain text after HTML parsing)", procs["bot"], tmp / "bot.log")
    [msg] = messages_with(server, "<script>alert(1)</script> & Co")
    assert msg.parse_mode == "HTML"
    assert html.escape("<script>alert(1)</script> & Co", quote=False) in msg.raw
    assert "<script>" not in msg.raw
    # the server's entity parser accepted it and the link points at the article's URL, intact
    links = [e["url"] for e in msg.entities if e["type"] == "text_link"]
    assert HOSTILE.url in links, json.dumps({"links": links, "raw": msg.raw})
