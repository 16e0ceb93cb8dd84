"""The story stage: alerts topic -> story identity -> ``<prefix>stories`` (``dementi stories``).

A faust agent reads the alerts topic, which the detect step keys by story key (the article's lead
denier, ``Alert.story_key``): every alert of one denier arrives on one partition, in order, at one
task. Its state is two changelog-backed Tables, so it survives a restart and moves with its
partition when the group rebalances (co-partitioned with the alerts topic):

- ``story-index``: story key -> the open stories of that denier (``rules.stories.StoryIndex`` JSON);
- ``story-snapshots``: story id -> the latest ``StoryUpdate`` JSON.

``rules.stories.StoryBook`` does the thinking over these two tables (the same code as
``dementi eval --stories``), and the agent publishes each resulting ``StoryUpdate`` keyed by
story id (so the versions of one story stay in order for the notifier).

Exactly once at the reader: faust flushes the producer (updates and changelog) before it commits
an offset. A crash before the commit replays alerts from the last commit; state restored from the
changelog either lacks them (same processing, same ids and versions again) or has them (the
current snapshot is published again). ``StoryUpdate`` is a full snapshot, so the notifier keeps the
newest version and a repeat changes nothing.

A record that is not an Alert goes to the dead-letter topic with its reason (stage ``stories``)
and the agent goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import faust
from pydantic import ValidationError

from dementi import metrics
from dementi.kafka.internals import recover_tables_to_fetch_highwater, short_fetch_wait
from dementi.kafka.options import ClientOptions
from dementi.records import Alert, validation_summary
from dementi.rules.stories import StoryBook
from dementi.settings import Settings
from dementi.streams.deadletter import encode_envelope, make_envelope

log = logging.getLogger(__name__)

STAGE_STORIES = "stories"
# The stage is one more hop on the way to Telegram: the embedded broker holds a fetch for about
# half of fetch_max_wait_ms even when records are there (stack.md), so keep it short here.
FETCH_MAX_WAIT_MS = 10


def app_id(settings: Settings) -> str:
    return f"{settings.consumer_group_prefix}-stories"


class StoriesApp:
    """Builds the faust app of the story stage. ``on_ready`` fires after each rebalance."""

    def __init__(self, settings: Settings, bootstrap: str, on_ready: Callable[[], None] | None = None,
                 partitions: int | None = None):
        self.settings = settings
        self.on_ready = on_ready
        self.partitions = partitions or settings.topic_partitions
        self.stats = {"alerts": 0, "updates": 0, "new_stories": 0, "replayed": 0, "dead_letters": 0}
        self.app = self._build(ClientOptions.from_settings(settings, bootstrap))

    def _build(self, options: ClientOptions) -> faust.App:
        short_fetch_wait(FETCH_MAX_WAIT_MS)
        recover_tables_to_fetch_highwater(options)  # Tansu under-reports a changelog's end
        s = self.settings
        data_dir = Path(s.data_dir) / "faust-stories"
        data_dir.mkdir(parents=True, exist_ok=True)
        app = faust.App(
            app_id(s), **options.faust(), store="memory://", datadir=str(data_dir),
            web_enabled=False, topic_disable_leader=True, key_serializer="raw", value_serializer="raw",
            broker_session_timeout=s.broker_session_timeout, broker_heartbeat_interval=s.broker_heartbeat_interval,
            broker_commit_interval=0.5, consumer_auto_offset_reset="earliest", producer_acks=-1,
            producer_linger=0.0, topic_partitions=self.partitions, autodiscover=False,
            table_standby_replicas=0)
        alerts = app.topic(s.alerts_topic, key_type=bytes, value_type=bytes, partitions=self.partitions)
        # str keys and values (JSON text): the same types before and after a changelog recovery
        index = app.Table("story-index", default=None, partitions=self.partitions, key_type=str, value_type=str)
        snapshots = app.Table("story-snapshots", default=None, partitions=self.partitions, key_type=str,
                              value_type=str)
        book = StoryBook(index, snapshots, window=s.story_window_seconds)
        stories_topic, dead_topic = s.stories_topic, s.deadletter_topic

        @app.agent(alerts)
        async def file_alerts(stream) -> None:
            async for event in stream.events():
                await self._handle(app, book, event, stories_topic, dead_topic)

        @app.timer(interval=1.0)
        async def heartbeat() -> None:  # /healthz: the loop is alive
            metrics.beat()

        @app.on_rebalance_complete.connect
        async def _ready(sender=None, **kwargs) -> None:
            assigned = sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == s.alerts_topic)
            log.info("story stage ready: group %s, partitions %s of %s", app_id(s), assigned, s.alerts_topic)
            if self.on_ready:
                self.on_ready()

        return app

    async def _handle(self, app: faust.App, book: StoryBook, event, stories_topic: str, dead_topic: str) -> None:
        message = event.message
        value = event.value
        try:
            alert = Alert.from_bytes(value) if value is not None else None
            if alert is None:
                raise ValueError("empty record")
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            reason = "schema"
            if not isinstance(exc, ValidationError) or any(e.get("type") == "json_invalid" for e in exc.errors()):
                reason = "not_json"
            if isinstance(exc, ValidationError):  # every field path, so the producer can be fixed
                error = validation_summary(exc, whole="record")
            else:
                error = str(exc) or type(exc).__name__
            log.warning("dead-letter %s[%s]@%s: %s: %s", message.topic, message.partition, message.offset, reason,
                        error)
            envelope = make_envelope(stage=STAGE_STORIES, reason=reason, error=error, topic=message.topic,
                                     partition=message.partition, offset=message.offset, key=event.key,
                                     value=value if isinstance(value, bytes) else None)
            await app.producer.send(dead_topic, event.key, encode_envelope(envelope), None, None, None)
            self.stats["dead_letters"] += 1
            return
        started = time.perf_counter()
        outcome = book.add(alert)
        update = outcome.update
        await app.producer.send(stories_topic, update.story_id.encode("ascii"), update.to_bytes(), None, None, None)
        self.stats["alerts"] += 1
        self.stats["updates"] += 1
        self.stats["new_stories"] += outcome.new_story
        self.stats["replayed"] += outcome.replayed
        log.debug("alert %s -> story %s v%d (%s) in %.1f ms", alert.alert_id, update.story_id, update.version,
                  update.joined, 1000 * (time.perf_counter() - started))


def run_stories(settings: Settings, *, ready_file: Path | None = None, connect_timeout: float = 60.0,
                broker_lost_timeout: float = 30.0, stop_grace: float = 15.0, loglevel: str = "WARNING") -> int:
    """Run the story stage until SIGTERM/SIGINT or a fatal error; returns the process exit code
    (the same codes and the same stop/watchdog behaviour as ``dementi worker``)."""
    from dementi.streams.worker import StartFailed, prepare_process, run_faust_app, write_ready

    try:
        bootstrap = prepare_process(settings, ready_file, connect_timeout)
    except StartFailed as failed:
        return failed.code
    stage = StoriesApp(settings, bootstrap, on_ready=lambda: write_ready(ready_file))
    log.info("story stage %s: %s -> %s (window %.0f h), broker %s", app_id(settings), settings.alerts_topic,
             settings.stories_topic, settings.story_window_seconds / 3600, bootstrap)
    code = run_faust_app(stage.app, bootstrap, name="story stage", ready_file=ready_file,
                         broker_lost_timeout=broker_lost_timeout, stop_grace=stop_grace, loglevel=loglevel)
    st = stage.stats
    log.info("story stage stopped (exit %d): %d alerts, %d new stories, %d replayed, %d dead letters", code,
             st["alerts"], st["new_stories"], st["replayed"], st["dead_letters"])
    return code
