"""The fetch high watermark reader on the real broker: where Tansu's ``end_offsets`` stops at the
last batch's base offset + 1, the helper sees every record, across several topics at once."""

from __future__ import annotations

import pytest

from dementi.kafka.highwater import fetch_highwaters, topic_total
from dementi.kafka.options import ClientOptions
from dementi.kafka.producer import make_producer
from dementi.kafka.topics import ensure_topics

pytestmark = pytest.mark.integration


def test_highwaters_count_every_record_of_several_topics(settings, kafka_bootstrap):
    options = ClientOptions(kafka_bootstrap)
    articles, alerts = ensure_topics(settings, kafka_bootstrap, ("articles", "alerts"))
    assert topic_total(options, settings.topic("never-created")) == 0
    producer = make_producer(options)
    try:
        for i in range(7):  # likely one batch on partition 0: Tansu's end_offsets can say 1 here
            producer.send(articles, key=b"k", value=f"a{i}".encode(), partition=0)
        for i in range(3):
            producer.send(alerts, key=b"k", value=f"b{i}".encode(), partition=1)
        producer.flush()
    finally:
        producer.close()
    found = fetch_highwaters(options, [(articles, 0), (articles, 1), (alerts, 1)])
    assert found == {(articles, 0): 7, (articles, 1): 0, (alerts, 1): 3}
    assert topic_total(options, articles) == 7
    assert fetch_highwaters(options, []) == {}
