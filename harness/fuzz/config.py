"""The schemathesis configuration of a fuzz run, built in code.

No ``schemathesis.toml`` is read or written: ``from_path`` gets this configuration explicitly,
so a stray config file in the working directory cannot change a run, and this one cannot change
anybody else's.

Every check schemathesis ships is on. Where a check's default expectations are wrong for
TaskRouter they are narrowed or widened *per operation*, each with the reason next to it.
"""

from __future__ import annotations

from typing import Any

#: Statuses that prove the target accepted data we know to be valid. 401 and 403 are *not*
#: here: the run sends valid credentials, so an auth rejection is a failure, not an answer
#: (schemathesis' default accepts both, which lets a server that rejects good credentials pass).
#: 5xx is left to ``not_a_server_error`` (one finding, not two); 429 is a rate limit, not a
#: verdict on the data.
_ACCEPTED = ["2xx", "429", "5xx"]

#: Statuses that prove the target rejected invalid data. TaskRouter answers 400 (code 20001)
#: for bad parameters and 404 (20404) for a malformed path SID (x-trc-notes.malformed-path-sids);
#: 405 is what an undeclared method gets. 413/414/431 are transport limits a front end may hit
#: first on the huge values negative generation makes. schemathesis' default also accepts 401,
#: 403, 406, 409, 415, 422 and 428, none of which TaskRouter uses for bad data.
_REJECTED = ["400", "404", "405", "413", "414", "429", "431", "5xx"]

#: Per-operation adjustments, keyed by operationId.
OPERATION_CHECKS: dict[str, dict[str, Any]] = {
    "CreateTask": {
        # Positive data is steered to the target's own workspace, workflow, queue, channel and
        # worker SIDs (steering.py), so any non-2xx answer to it is a finding: no 404.
        "positive_data_acceptance": {"expected-statuses": _ACCEPTED},
    },
    "ListTask": {
        # Same: the workspace is the target's, expressions and orderings are steered valid.
        "positive_data_acceptance": {"expected-statuses": _ACCEPTED},
    },
    "FetchTask": {
        # A well-formed Sid may name no task (a random one, or one deleted earlier): 404.
        "positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "404"]},
    },
    "UpdateTask": {
        # 412 rejects invalid data too: the If-Match precondition is evaluated before the body
        # is processed (RFC 9110 section 13.2.2), so a stale If-Match is a 412 whatever the body.
        "negative_data_rejection": {"expected-statuses": [*_REJECTED, "412"]},
        # 404: as for FetchTask. 412: a well-formed If-Match that is not the current version is
        # answered 412 (documented, task.etag.if-match-mismatch). 400: whether an update is
        # allowed depends on the task's state, which no schema can express (documented
        # transitions, task.lifecycle.allowed-transitions: e.g. a canceled task cannot be
        # updated, a pending one cannot be completed). Steering makes most positive updates
        # valid, but a stateful chain (cancel, then update again) legitimately gets 400.
        "positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400", "404", "412"]},
    },
    "DeleteTask": {
        "negative_data_rejection": {"expected-statuses": [*_REJECTED, "412"]},
        # 404 and 412 as above; delete is allowed in any state, so never 400.
        "positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "404", "412"]},
    },
}


def build_config_dict(
    *,
    seed: int,
    max_examples: int,
    stateful_steps: int,
    base_url: str,
    request_timeout_s: float,
) -> dict[str, Any]:
    """The configuration as the dictionary a ``schemathesis.toml`` would parse to."""
    return {
        "seed": seed,
        "suppress-health-check": ["all"],
        # Never the spec's https://taskrouter.twilio.com: every request goes to the target.
        "base-url": base_url,
        "request-timeout": request_timeout_s,
        "generation": {
            # Reproducible: the seed drives everything, no example database is read or written.
            "database": "none",
            "max-examples": max_examples,
            # Credentials are always the run's own (sent with every request). Generated or
            # removed Authorization headers would be overwritten by them on the wire, so a
            # "missing Authorization" case would really carry valid credentials and read as
            # accepted negative data. Auth enforcement is ``ignored_auth``'s job: it re-sends
            # successful requests without credentials and with wrong ones.
            "with-security-parameters": False,
        },
        # Generation must not depend on how the target is reached: with an in-process app
        # schemathesis would otherwise mine the app's Python constants, so the same seed would
        # generate different cases in-process and over HTTP.
        "analysis": {"constants": {"enabled": False}},
        "phases": {
            "stateful": {
                "max-steps": stateful_steps,
                # Follow the spec's links only: no links inferred from Location headers or
                # from a dependency analysis of the schema.
                "inference": {"algorithms": []},
            }
        },
        "checks": {
            "positive_data_acceptance": {"expected-statuses": _ACCEPTED},
            "negative_data_rejection": {"expected-statuses": _REJECTED},
        },
        "operations": [
            {"include-operation-id": operation_id, "checks": checks}
            for operation_id, checks in OPERATION_CHECKS.items()
        ],
    }


def build_config(**kwargs: Any) -> Any:
    """A ``schemathesis.Config`` for ``build_config_dict(**kwargs)``."""
    import schemathesis

    return schemathesis.Config.from_dict(build_config_dict(**kwargs))
