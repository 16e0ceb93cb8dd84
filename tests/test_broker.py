import pytest
from kafka import KafkaAdminClient

from dementi.streams.broker import EmbeddedBroker
from dementi.kafka.topics import ensure_topics

pytestmark = pytest.mark.integration


def test_topics_created_with_configured_partitions(kafka_bootstrap, settings):
    settings.topic_partitions = 3
    names = ensure_topics(settings, kafka_bootstrap)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
    finally:
        admin.close()
    assert described == {n: 3 for n in names}
    assert ensure_topics(settings, kafka_bootstrap) == names  # idempotent


def test_embedded_broker_stops_and_frees_its_port():
    broker = EmbeddedBroker().start()
    pid = broker.process.pid
    port = broker.port
    broker.stop()
    import os
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    # the same port can be used again right away
    again = EmbeddedBroker(port=port).start()
    again.stop()
