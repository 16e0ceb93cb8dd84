"""The one Kafka adapter: every Kafka client of dementi is opened through this package.

Layer: above the floor (records, settings), below ``streams/`` and ``bot/``; it imports only the
floor (tests/test_layers.py). One module per concern:

- ``options``    the connection options of every client (kafka-python, aiokafka, faust), built once
- ``probe``      is the broker there (TCP), wait for it, say when it is lost and back
- ``topics``     topic creation with a retrying admin connection
- ``producer``   acks=all producers and "publish these records and wait for every ack"
- ``reader``     reading a topic without a consumer group (CLI, dry runs), bounded by idleness
- ``consumer``   an aiokafka group consumer for services that must ride out broker outages
- ``internals``  the only module touching private faust/aiokafka parts (batch dispatch, fetch wait,
                 table recovery to the real end)
- ``highwater``  the real end of partitions (fetch high watermarks; Tansu under-reports end offsets)
- ``raw``        ``RawRecord``, a record's undecoded bytes as the detect step sees them
"""
