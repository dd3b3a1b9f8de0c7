"""taskrouter-conformance: conformance harness for the Twilio TaskRouter Task resource."""

__version__ = "0.1.0"
