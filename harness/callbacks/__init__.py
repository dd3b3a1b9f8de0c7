"""The callback receiver: a loopback server that records the Event and assignment callbacks a
target under test POSTs, checks their ``X-Twilio-Signature`` and answers as Twilio documents.
"""

from harness.callbacks.receiver import Answer, Callback, CallbackKind, Receiver
from harness.callbacks.signature import (
    SIGNATURE_HEADER,
    SignatureState,
    compute_signature,
    verify_signature,
)

__all__ = [
    "SIGNATURE_HEADER",
    "Answer",
    "Callback",
    "CallbackKind",
    "Receiver",
    "SignatureState",
    "compute_signature",
    "verify_signature",
]
