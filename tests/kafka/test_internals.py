"""Pins every private name of faust and aiokafka that ``dementi.kafka.internals`` relies on.

When a faust or aiokafka upgrade renames or reshapes one of them, THIS file fails with the name,
instead of a worker that silently stops batching, fetches with a 1.5 s wait, a story stage that
restarts without its newest table state, or a /status lag that is always unknown. Pure
inspection: no broker needed.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import faust
import mode
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer import subscription_state
from faust.tables.recovery import Recovery
from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as driver
from faust.types import TP

from dementi.kafka import internals
from dementi.kafka.options import ClientOptions

ROOT = Path(__file__).resolve().parents[2]


def _source(obj) -> str:
    return textwrap.dedent(inspect.getsource(obj))


def test_the_versions_the_patches_were_written_for():
    # A new version may well be fine: check every test below still passes, then move the pin.
    assert version("faust-streaming") == "0.15.3"
    assert version("aiokafka") == "0.14.0"


def test_faust_calls_the_fetch_loop_we_replace_with_the_fetcher():
    assert "_drain_messages" in _source(faust_consumer.Fetcher)
    base = inspect.signature(faust_consumer.Consumer._drain_messages)
    assert list(base.parameters) == ["self", "fetcher"]
    assert inspect.iscoroutinefunction(internals.BatchConsumer._drain_messages)


def test_faust_consumer_members_used_by_the_batch_loop():
    for name in ("_wait_next_records", "_commit"):
        assert inspect.iscoroutinefunction(getattr(driver.Consumer, name)), name
    assert list(inspect.signature(driver.Consumer._wait_next_records).parameters)[:2] == ["self", "timeout"]
    assert list(inspect.signature(driver.Consumer._commit).parameters) == ["self", "offsets"]
    assert isinstance(driver.Consumer.consumer_stopped_errors, tuple) and driver.Consumer.consumer_stopped_errors
    assert isinstance(faust_consumer.Consumer.should_stop, property)
    assert "self._stopped" in _source(mode.Service.__init__)  # consumer._stopped, fetcher._stopped
    assert hasattr(faust.App, "consumer_generation_id")


def test_faust_app_builds_its_consumer_the_way_batch_app_overrides_it():
    """BatchApp._new_consumer builds our consumer with the arguments faust's own passes."""
    flat = "".join(_source(faust.App._new_consumer).split())
    for argument in ("callback=self.topics.on_message", "on_partitions_revoked=self._on_partitions_revoked",
                     "on_partitions_assigned=self._on_partitions_assigned", "beacon=self.beacon"):
        assert argument in flat, argument
    parameters = inspect.signature(faust_consumer.Consumer.__init__).parameters  # driver.Consumer: *args, **kwargs
    assert {"transport", "callback", "on_partitions_revoked", "on_partitions_assigned", "loop"} <= set(parameters)


def test_the_worker_consumer_factory_we_wrap_and_the_attribute_aiokafka_reads_at_start():
    assert "_create_worker_consumer" in driver.AIOKafkaConsumerThread.__dict__
    assert "self._fetch_max_wait_ms = fetch_max_wait_ms" in _source(AIOKafkaConsumer.__init__)
    assert "fetch_max_wait_ms=self._fetch_max_wait_ms" in _source(AIOKafkaConsumer.start)


async def test_short_fetch_wait_reaches_the_worker_consumer():
    internals.short_fetch_wait()
    internals.short_fetch_wait()  # idempotent: one wrapper, not two
    assert getattr(driver.AIOKafkaConsumerThread._create_worker_consumer, "short_fetch_wait", False)
    app = internals.BatchApp("pin-internals", broker="kafka://127.0.0.1:1", store="memory://",
                             autodiscover=False, web_enabled=False)
    assert isinstance(app.consumer, internals.BatchConsumer)
    client = app.consumer._thread._create_worker_consumer(app.transport)
    try:
        assert client._fetch_max_wait_ms == internals.FETCH_MAX_WAIT_MS
    finally:
        await client.stop()


async def test_the_story_stage_sets_its_own_shorter_fetch_wait():
    """The wait is adjustable (the story stage, one more hop to Telegram, uses 10 ms) and reaches a
    plain faust App's consumer too (the stage has tables and agents, not a BatchApp)."""
    try:
        internals.short_fetch_wait(10)
        app = faust.App("pin-internals-stories", broker="kafka://127.0.0.1:1", store="memory://",
                        autodiscover=False, web_enabled=False)
        client = app.consumer._thread._create_worker_consumer(app.transport)
        try:
            assert client._fetch_max_wait_ms == 10
        finally:
            await client.stop()
    finally:
        internals.short_fetch_wait()  # back to the worker's value for the rest of this process
    assert internals._FETCH_WAIT["ms"] == internals.FETCH_MAX_WAIT_MS


def test_faust_table_recovery_asks_the_consumer_thread_method_we_replace():
    """Recovery -> Consumer.highwaters -> AIOKafkaConsumerThread.highwaters -> ._highwaters, whose
    end_offsets answer Tansu under-reports; our replacement keeps faust's transactional branch."""
    assert "consumer.highwaters(" in _source(Recovery._build_highwaters)
    assert "self._thread.highwaters(" in _source(driver.Consumer.highwaters)
    assert "self._highwaters" in _source(driver.AIOKafkaConsumerThread.highwaters)
    original = driver.AIOKafkaConsumerThread._highwaters
    original = getattr(original, "original", original)  # this process may have patched it already
    assert inspect.iscoroutinefunction(original)
    assert list(inspect.signature(original).parameters) == ["self", "partitions"]
    body = _source(original)
    for name in ("self.consumer.in_transaction", "self._ensure_consumer()", "last_stable_offset(tp)",
                 "end_offsets(partitions)"):
        assert name in body, name


async def test_table_recovery_reads_the_fetch_high_watermark(monkeypatch):
    asked = []

    def fake_fetch_highwaters(options, partitions):
        asked.append((options, list(partitions)))
        return {(t, p): 100 + p for t, p in partitions}

    monkeypatch.setattr(internals, "fetch_highwaters", fake_fetch_highwaters)
    options = ClientOptions("127.0.0.1:1")
    internals.recover_tables_to_fetch_highwater(options)
    internals.recover_tables_to_fetch_highwater(options)  # idempotent: one wrapper, not two
    patched = driver.AIOKafkaConsumerThread._highwaters
    assert patched.fetch_highwater and not getattr(patched.original, "fetch_highwater", False)

    class Thread:  # the attributes of AIOKafkaConsumerThread the patch reads (pinned above)
        consumer = SimpleNamespace(in_transaction=False)

    tps = [TP("app-story-index-changelog", 0), TP("app-story-index-changelog", 3)]
    assert await patched(Thread(), tps) == {tps[0]: 100, tps[1]: 103}
    assert asked == [(options, [("app-story-index-changelog", 0), ("app-story-index-changelog", 3)])]


def test_the_subscription_chain_fetch_position_walks():
    assert "self._subscription = SubscriptionState(" in _source(AIOKafkaConsumer.__init__)
    assert isinstance(subscription_state.SubscriptionState.subscription, property)
    assert isinstance(subscription_state.Subscription.assignment, property)
    assert callable(subscription_state.Assignment.state_value)
    assert isinstance(subscription_state.TopicPartitionState.has_valid_position, property)
    assert isinstance(subscription_state.TopicPartitionState.position, property)


@pytest.mark.parametrize("folder", ["streams", "bot", "dementi"])
def test_no_other_module_touches_client_internals(folder):
    """Private attributes of faust/aiokafka objects are read or patched in kafka/internals.py only."""
    suspects = {"_drain_messages", "_wait_next_records", "_create_worker_consumer", "_fetch_max_wait_ms",
                "_subscription", "consumer_generation_id", "_new_consumer", "_highwaters", "_ensure_consumer"}
    bad = []
    for path in (ROOT / folder).rglob("*.py"):
        if path == Path(internals.__file__).resolve():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in suspects:
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert bad == []
