"""What goes over the wire: the one HTTP client every runner uses, and exchange recording.

``TargetClient`` sends a request to one target (Basic auth, form encoding, bounded 429 retries,
host pinning); ``record_exchange`` turns a request and its response into a redacted
``harness.results.Exchange``. Runners that want to see every exchange a case makes (replay
names the recorded steps this way) pass an ``on_exchange`` callback to the scenario engine,
which calls it with each recorded ``Exchange``.
"""

from harness.wire.client import (
    FORM,
    WRONG_TOKEN,
    Credentials,
    ForeignHostError,
    TargetClient,
    encode_pairs,
)
from harness.wire.recording import MAX_BODY_CHARS, parse_body, record_exchange

__all__ = [
    "FORM",
    "MAX_BODY_CHARS",
    "WRONG_TOKEN",
    "Credentials",
    "ForeignHostError",
    "TargetClient",
    "encode_pairs",
    "parse_body",
    "record_exchange",
]
