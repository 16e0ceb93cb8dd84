"""A group consumer's start retries only what the broker (or its address) causes; a bug in the
code around it surfaces as itself instead of being logged forever as "broker unreachable".

Pure logic: ``prepare`` (e.g. topic creation) runs before the client would connect, so no broker
is needed to see which errors are retried.
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaConnectionError

from dementi.kafka.consumer import GroupConsumer
from dementi.kafka.options import ClientOptions
from dementi.kafka.topics import BrokerUnavailable


def _consumer(prepare, on_retry) -> GroupConsumer:
    return GroupConsumer(ClientOptions("127.0.0.1:1"), "t", "g", "test", prepare=prepare, on_retry=on_retry)


@pytest.mark.parametrize("outage", [OSError("connection refused"), KafkaConnectionError("no broker"),
                                    BrokerUnavailable("unreachable after 2s")])
def test_broker_errors_are_retried_until_stop(outage):
    async def scenario() -> tuple[list[BaseException], bool]:
        stop, retried = asyncio.Event(), []

        def prepare() -> None:
            raise outage

        def on_retry(exc: BaseException, delay: float) -> None:
            retried.append(exc)
            if len(retried) == 2:
                stop.set()

        started = await asyncio.wait_for(_consumer(prepare, on_retry).start(stop), 30)
        return retried, started

    retried, started = asyncio.run(scenario())
    assert retried == [outage, outage] and started is False


def test_a_bug_is_raised_not_reported_as_unreachable():
    retried: list[BaseException] = []

    def prepare() -> None:
        raise TypeError("ensure_topics() got an unexpected keyword argument 'name'")

    async def scenario() -> None:
        await asyncio.wait_for(_consumer(prepare, lambda exc, delay: retried.append(exc)).start(asyncio.Event()), 30)

    with pytest.raises(TypeError, match="unexpected keyword"):
        asyncio.run(scenario())
    assert retried == []
