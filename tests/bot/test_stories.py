"""Issue 14's acceptance, end to end on the real parts: alerts on the real broker -> `dementi stories`
(a real process) -> the notifier (real python-telegram-bot, in this test's loop) -> the Bot API test
server. One message per event: distinct denials are never dropped, reports of one event edit one
message, and its translation joins it.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime, timedelta, timezone

import pytest

from dementi.bot.notify.ratelimit import Limits, Window
from dementi.records import Actor, Alert, Article, Evidence, StoryFeatures
from dementi.kafka.topics import ensure_topics
from tests.bot.conftest import start_bot
from tests.streams.helpers import child_env, producer, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration
T0 = datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)
FAST = Limits(per_chat=Window(100, 1.0), per_group=Window(100, 1.0), overall=Window(200, 1.0))  # Telegram's pace is tested elsewhere
STATES = ["RUS", "CHN", "IRN", "TUR", "FRA", "USA", "DEU", "IND", "BRA", "EGY", "KOR", "JPN", "ISR", "SAU", "GBR",
          "POL", "HUN", "UKR", "ARG", "MEX", "NGA", "ZAF", "KEN", "ETH", "DZA", "MAR", "TUN", "PAK", "IDN", "VNM",
          "THA", "PHL", "MYS", "AUS", "CAN", "CHL", "COL", "PER", "VEN", "CUB"]


def claim(state: str, n: int, seconds: float, outlet: str = "wire") -> Alert:
    """An alert of ``state`` about claim ``n`` (its own quantity and name: claims never look alike)."""
    return Alert(rule_id="test-denial", rule_title="Démenti officiel", severity="high", tags=["denial", "fr"],
                 kind="denial", article_id=f"{state}-{n}-{outlet}", article_source=outlet, article_lang="en",
                 article_url=f"https://{outlet}.example/{state}/{n}", article_title=f"{state} denies claim {n}",
                 evidence=Evidence(sentence=f"The ministry of {state} denied claim number {n}."),
                 denier=Actor(name=state, code=state), published_at=T0 + timedelta(seconds=seconds),
                 story=StoryFeatures(key=state, actors=[state], numbers=[f"q{1000 + n}"], names=[f"claim{n}"],
                                     concepts=["TALKS"], words=[f"claim{n}", "talks"]))


# One invented dispatch on a border closure, as four French outlets reword it, then in English.
DISPATCH = [
    ("Le Courrier du Matin", "fr", "Le Maroc dément avoir fermé sa frontière avec la Mauritanie",
     "Le ministère marocain des Affaires étrangères a démenti mardi avoir fermé le poste-frontière de Guerguerat "
     "avec la Mauritanie, évoqué par plusieurs sites d'information."),
    ("La Voix de l'Est", "fr", "Frontière mauritanienne : Rabat dément toute fermeture",
     "Rabat a démenti mardi toute fermeture du poste-frontière de Guerguerat avec la Mauritanie."),
    ("Journal des Deux Rives", "fr", "Guerguerat : le Maroc dément la fermeture de la frontière",
     "Le Maroc a démenti la fermeture de sa frontière avec la Mauritanie à Guerguerat, qualifiant ces "
     "informations de dénuées de tout fondement."),
    ("Le Petit Observateur", "fr", "Le Maroc dément la fermeture du poste de Guerguerat",
     "Le gouvernement marocain a démenti mardi la fermeture du poste-frontière de Guerguerat, à la frontière "
     "mauritanienne."),
    ("Atlantic Dispatch", "en", "Morocco denies closing its border with Mauritania",
     "Morocco's foreign ministry denied on Tuesday that it had closed the Guerguerat border crossing with Mauritania."),
]


def dispatch_alerts() -> list[list[Alert]]:
    from dementi.rules.engine import Engine

    engine = Engine.from_dir("config/rules", "config/gazetteers")
    out = []
    for i, (outlet, lang, title, body) in enumerate(DISPATCH):
        art = Article(url=f"https://{outlet.lower().replace(' ', '-').replace(chr(39), '')}.example/border",
                      title=title, body=body, lang=lang, source=outlet,
                      published_at=T0 + timedelta(hours=1, seconds=3 * i))  # 3 s apart: article times, no sleeps
        alerts = engine.alerts(art)
        assert alerts, f"the pack must detect {outlet}'s report"
        out.append(alerts)
    return out


def publish(bootstrap: str, topic: str, alerts: list[Alert]) -> None:
    p = producer(bootstrap)
    for a in alerts:
        p.send(topic, key=a.story_key.encode(), value=a.to_bytes())  # keyed like the detect worker keys them
    p.flush()
    p.close()


async def wait_until(predicate, timeout: float, what) -> None:
    from tests.botapi.server import BotApiServer

    await BotApiServer.await_condition(predicate, timeout, what)


@pytest.fixture
def botapi_unlimited():
    """Telegram's flood limits are tested elsewhere (tests/bot/test_delivery.py): here 80 messages
    to one chat must not take 80 s."""
    from tests.botapi.limits import UNLIMITED
    from tests.botapi.server import BotApiServer

    with BotApiServer(limits=UNLIMITED) as server:
        yield server


@pytest.mark.timeout(400)
async def test_one_message_per_event_on_the_real_pipeline(bot_settings, botapi_unlimited, kafka_bootstrap, tmp_path):
    botapi = botapi_unlimited
    settings = bot_settings.model_copy(update={"story_edit_interval": 1.0, "telegram_api_url": botapi.url})
    ensure_topics(settings, kafka_bootstrap)
    env = child_env(settings, kafka_bootstrap, DEMENTI_BROKER_SESSION_TIMEOUT="3",
                    DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")
    ready, log = tmp_path / "stories.ready", tmp_path / "stories.log"
    stage = start_dementi(["stories", "--ready-file", str(ready)], env, log)
    bot = None
    chat = 4101
    try:
        dispatch = dispatch_alerts()  # the engine, before the clock matters
        bot = await start_bot(settings, botapi, limits=FAST)
        assert "Subscribed" in await bot.command(chat, "/subscribe all")
        base = len(botapi.messages(chat))
        await asyncio.to_thread(wait_for, ready.exists, 120, "the story stage", stage, log)

        # --- three different denials by one state within a minute -> three messages
        three = [claim("RUS", n, 20 * n) for n in (1, 2, 3)]
        publish(kafka_bootstrap, settings.alerts_topic, three)
        await botapi.await_messages(chat, base + 3, 60)
        texts = [m.text for m in botapi.messages(chat)[base:]]
        assert [sum(f"claim {n}" in t for t in texts) for n in (1, 2, 3)] == [1, 1, 1], texts

        # --- forty states x forty claims -> forty messages; and forty claims of ONE state -> forty more
        base = len(botapi.messages(chat))
        forty = [claim(state, 100 + i, i) for i, state in enumerate(STATES)]
        one_state = [claim("CHN", 200 + i, i) for i in range(40)]
        publish(kafka_bootstrap, settings.alerts_topic, forty + one_state)
        await botapi.await_messages(chat, base + 80, 120)
        texts = [m.text for m in botapi.messages(chat)[base:]]
        assert len(texts) == 80 and all(sum(f"claim {n}" in t for t in texts) == 1
                                        for n in [*range(100, 140), *range(200, 240)])

        # --- one dispatch from four outlets, 3 s apart -> one message, edited to show four sources.
        # The reports come as they would: the first one's message is out before the others arrive
        # (published all at once, the bot may route them all before sending and send the message
        # complete: then nothing is edited, and what this checks depends on the machine's speed)
        base = len(botapi.messages(chat))
        edits0 = len(botapi.state.edits)
        publish(kafka_bootstrap, settings.alerts_topic, dispatch[0])
        await botapi.await_messages(chat, base + 1, 60)
        assert "1 source" in botapi.messages(chat)[base].text
        publish(kafka_bootstrap, settings.alerts_topic, dispatch[1])
        await wait_until(lambda: "2 sources" in botapi.messages(chat)[base].text, 60,
                         lambda: botapi.messages(chat)[base].text)
        publish(kafka_bootstrap, settings.alerts_topic, [a for alerts in dispatch[2:4] for a in alerts])
        await wait_until(lambda: any("4 sources" in m.text for m in botapi.messages(chat)[base:]), 60,
                         lambda: [m.text for m in botapi.messages(chat)[base:]])
        story_messages = botapi.messages(chat)[base:]
        assert len(story_messages) == 1, [m.text for m in story_messages]
        message = story_messages[0]
        for outlet, *_ in DISPATCH[:4]:
            assert outlet in message.text
        assert message.text.count("« ") == len({a.kind for alerts in dispatch[:4] for a in alerts})  # evidence once per finding
        edits = [e for e in botapi.state.edits[edits0:] if e.message_id == message.message_id]
        assert len(edits) >= 2, "later reports edit the first message"
        gaps = [b.received_at - a.received_at for a, b in zip(edits, edits[1:])]
        assert all(g >= 0.9 for g in gaps), gaps  # throttled per message (story_edit_interval = 1 s)

        # --- its English version joins the story (cross-lingual linking)
        publish(kafka_bootstrap, settings.alerts_topic, dispatch[4])
        await wait_until(lambda: "5 sources" in botapi.messages(chat)[base].text, 30,
                         lambda: botapi.messages(chat)[base].text)
        assert len(botapi.messages(chat)[base:]) == 1
        assert "fr, en" in botapi.messages(chat)[base].text and "Atlantic Dispatch" in botapi.messages(chat)[base].text

        # --- /story lists every source, /explain says where an alert went and why
        story_id = dispatch[0][0].alert_id and bot.services.store.story_of_alert(dispatch[0][0].alert_id)[0]
        shown = await bot.command(chat, f"/story {story_id}")
        assert all(outlet in shown for outlet, *_ in DISPATCH) and "5 article(s)" in shown
        why = await bot.command(chat, f"/explain {dispatch[4][0].alert_id}")
        assert "joined" in why and story_id in why and "In this chat: edit" in why
    finally:
        if bot is not None:
            bot.stop.set()
            await asyncio.wait_for(bot.task, 30)
        stop_process(stage)
