"""The run's push channel: a loopback receiver, and the target told to call it.

A case that requires ``callbacks`` asks the channel to be ready (``ensure``). The first time,
the channel starts the ``Receiver`` and, unless the profile says the callback URLs are already
configured (``callbacks: {configure: false}``), points each profile workspace's
``EventCallbackUrl`` and each of its workflows' ``AssignmentCallbackUrl`` at the receiver
through the target's own API (Workspace and Workflow update, as Twilio documents them),
remembering what was there. ``restore`` puts every value back; the run calls it in its cleanup,
so an interrupted run restores too.

Where the target can reach the receiver: a target on loopback reaches ``127.0.0.1``; any other
target needs the public URL of a tunnel to the receiver (``callbacks: {receiver: URL}``),
otherwise callback cases are *not configured* (never failed): a loopback address means nothing
to a remote server.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from harness.callbacks.receiver import CallbackKind, Receiver
from harness.targets.profile import TargetProfile
from harness.wire.client import TargetClient
from harness.wire.limits import ResponseTooLarge

RECEIVER_KEY = "callbacks.receiver"


class CallbacksUnavailable(Exception):
    """The push channel cannot be used. ``not_configured``: a profile key is missing (the
    case is not configured); otherwise the target refused to be configured (an error)."""

    def __init__(self, message: str, not_configured: bool = False, answered: bool = False) -> None:
        super().__init__(message)
        self.not_configured = not_configured
        #: the target answered (a refusal): the request did not take effect
        self.answered = answered


@dataclass(frozen=True)
class _Saved:
    """A resource's callback fields before the run changed them."""

    path: str
    values: tuple[tuple[str, str], ...]


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CallbackChannel:
    """Receiver + target configuration for one run (thread safe; started on first use)."""

    def __init__(self, client: TargetClient, profile: TargetProfile) -> None:
        self.client = client
        self.profile = profile
        settings = profile.data.get("callbacks") or {}
        self.public_base: str | None = settings.get("receiver")
        self.configure: bool = bool(settings.get("configure", True))
        self.port: int = int(settings.get("port", 0))
        #: where the receiver listens: loopback unless the profile opens it (e.g. 0.0.0.0 for
        #: a clone in a container, which reaches the host by another address)
        self.bind: str = str(settings.get("bind", "127.0.0.1"))
        self.receiver: Receiver | None = None
        #: path -> the fields as they were before the run first changed them
        self._saved: dict[str, _Saved] = {}
        #: the target points at the receiver now (False again after a restore)
        self._pointed = False
        #: the cases using the channel now (``acquire``/``release``)
        self._holders: set[str] = set()
        self._lock = threading.RLock()
        self._failure: CallbacksUnavailable | None = None
        #: what the run should know about the target's callback set-up (warnings)
        self.notes: list[str] = []
        #: workspace SID -> the event types its EventsFilter lets through (absent: no filter)
        self.filters: dict[str, frozenset[str]] = {}

    def ensure(self) -> Receiver:
        """The started receiver, with the target pointed at it; CallbacksUnavailable if not."""
        with self._lock:
            if self._failure is not None:
                raise self._failure
            try:
                if self.receiver is None:
                    return self._start()
                if self.configure and not self._pointed:
                    self._repoint(self.receiver)  # restored since
                return self.receiver
            except CallbacksUnavailable as exc:
                self._failure = exc
                raise

    def filtered_out(self, workspace_sid: str | None, event_type: str | None) -> str | None:
        """Why an Event callback of this type never comes (the workspace's EventsFilter leaves
        it out, and the run does not change the filter), or None."""
        allowed = self.filters.get(workspace_sid or "")
        if allowed is None or not event_type or event_type in allowed:
            return None
        return (
            f"the workspace's EventsFilter ({', '.join(sorted(allowed))}) leaves out "
            f"{event_type}, so it is never POSTed; the run does not change the filter"
        )

    def disable(self, reason: str) -> None:
        """No push channel in this process (``reason`` says why): cases that need it are not
        configured, and the target is never touched."""
        with self._lock:
            self._failure = CallbacksUnavailable(reason, not_configured=True)

    def acquire(self, holder: str) -> Receiver:
        """``ensure``, for a case (``holder``) that uses the channel until ``release``."""
        with self._lock:  # one hold: no release may restore between the ensure and the add
            receiver = self.ensure()
            self._holders.add(holder)
            return receiver

    def release(self, holder: str) -> None:
        """The case is done; once no case holds the channel, the target's callback URLs are
        put back at once, so the run's other cases make it POST nothing (a refused restore
        is tried again in the run's cleanup)."""
        with self._lock:
            if holder not in self._holders:
                return
            self._holders.discard(holder)
            if not self._holders and self._pointed:
                self._restore()

    def _start(self) -> Receiver:
        if self.public_base is None and not is_loopback(self.client.base_url):
            raise CallbacksUnavailable(
                f"the target {self.client.base_url} is not on this machine, so it cannot reach "
                f"the loopback callback receiver; set `{RECEIVER_KEY}` to a public URL that "
                "forwards to it (see docs/events-and-callbacks.md)",
                not_configured=True,
            )
        receiver = Receiver(
            self.client.credentials.auth_token, self.public_base, port=self.port, host=self.bind
        )
        try:
            receiver.start()
        except OSError as exc:
            raise CallbacksUnavailable(
                f"the callback receiver cannot listen on {self.bind}:{self.port}: {exc.strerror}"
            ) from None
        self.receiver = receiver
        if self.configure:
            self._repoint(receiver)
        return receiver

    def _repoint(self, receiver: Receiver) -> None:
        """Point the target at the receiver; on a refusal, undo what was changed and stop."""
        try:
            self._point_at(receiver)
        except CallbacksUnavailable:
            self._restore()
            receiver.stop()
            self.receiver = None
            raise

    def _point_at(self, receiver: Receiver) -> None:
        for ws in self._workspaces():
            ws_path = f"/v1/Workspaces/{ws['sid']}"
            before = self._set(
                ws_path,
                {"EventCallbackUrl": receiver.url(CallbackKind.EVENT)},
                {"EventCallbackUrl": "event_callback_url"},
            )
            if isinstance(before.get("events_filter"), str) and before["events_filter"].strip():
                self.filters[ws["sid"]] = frozenset(
                    part.strip() for part in before["events_filter"].split(",") if part.strip()
                )
                note = (
                    f"{ws_path} has EventsFilter={before['events_filter'][:200]}: the run does "
                    "not change it, so events outside it are never POSTed and the push cases "
                    "waiting for them fail"
                )
                if note not in self.notes:
                    self.notes.append(note)
            for workflow in ws.get("workflows") or ():
                self._point_workflow(f"{ws_path}/Workflows/{workflow['sid']}", receiver)

    def _point_workflow(self, path: str, receiver: Receiver) -> None:
        """AssignmentCallbackUrl, and the FallbackAssignmentCallbackUrl when the workflow has
        one (else a late answer of the receiver would send the run's reservations to the
        application's own fallback)."""
        url = receiver.url(CallbackKind.ASSIGNMENT)
        values = {"AssignmentCallbackUrl": url}
        fields = {"AssignmentCallbackUrl": "assignment_callback_url"}
        if path not in self._saved:
            before = self._call("GET", path)
            if before.get("fallback_assignment_callback_url"):
                values["FallbackAssignmentCallbackUrl"] = url
                fields["FallbackAssignmentCallbackUrl"] = "fallback_assignment_callback_url"
        else:
            saved = dict(self._saved[path].values)
            if saved.get("FallbackAssignmentCallbackUrl"):
                values["FallbackAssignmentCallbackUrl"] = url
                fields["FallbackAssignmentCallbackUrl"] = "fallback_assignment_callback_url"
        self._set(path, values, fields)

    def _workspaces(self) -> list[dict[str, Any]]:
        workspaces = self.profile.data.get("workspaces") or {}
        seen: dict[str, dict[str, Any]] = {}
        for ws in workspaces.values():
            if isinstance(ws, dict) and isinstance(ws.get("sid"), str):
                seen.setdefault(ws["sid"], ws)
        return list(seen.values())

    def _set(self, path: str, values: dict[str, str], fields: dict[str, str]) -> dict[str, Any]:
        """Remember ``fields`` of the resource at ``path``, then POST ``values``; returns the
        resource as it was. A field the resource does not show is refused (its value could
        not be put back), and the old values are kept before the POST (an update that takes
        effect but whose answer is lost is still put back)."""
        before = self._call("GET", path)
        missing = [field for field in fields.values() if field not in before]
        if missing:
            raise CallbacksUnavailable(
                f"could not configure callbacks: GET {path} does not show "
                f"{', '.join(missing)}, so the run could not put it back afterwards (set the "
                "URLs yourself and say `callbacks.configure: false`)"
            )
        old = tuple((param, str(before.get(field) or "")) for param, field in fields.items())
        # a value whose restore was refused is still the run's: keep what was there first
        fresh = path not in self._saved
        self._saved.setdefault(path, _Saved(path, old))
        self._pointed = True
        try:
            self._call("POST", path, list(values.items()))
        except CallbacksUnavailable as exc:
            if exc.answered and fresh:  # refused: nothing changed, nothing to put back
                del self._saved[path]
            raise
        return before

    def _call(
        self, method: str, path: str, form: list[tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        what = f"{method} {path}"
        try:
            response = self.client.send(self.client.build(method, path, form=form))
        except (httpx.HTTPError, ResponseTooLarge) as exc:
            raise CallbacksUnavailable(f"could not configure callbacks: {what}: {exc}") from None
        try:
            document = response.json()
        except ValueError:
            document = None
        if response.status_code != 200 or not isinstance(document, dict):
            raise CallbacksUnavailable(
                f"could not configure callbacks: {what} answered {response.status_code} "
                "(the target must accept the Workspace's EventCallbackUrl and the Workflow's "
                "AssignmentCallbackUrl, or declare `callbacks` unsupported, or set "
                "`callbacks.configure: false` when they are configured already)",
                answered=True,
            )
        return document

    def restore(self) -> list[str]:
        """Put back every callback field the run changed; returns, for each resource the
        target refused it for, what to set by hand (kept to be tried again by ``close``)."""
        with self._lock:
            return self._restore()

    def _restore(self) -> list[str]:
        refused: list[_Saved] = []
        for saved in reversed(list(self._saved.values())):
            try:
                self._call("POST", saved.path, list(saved.values))
            except CallbacksUnavailable:
                refused.append(saved)
                continue
            del self._saved[saved.path]
        self._pointed = False
        return [
            f"{saved.path}: "
            + ", ".join(f"{k}={_without_userinfo(v) or '(empty)'}" for k, v in saved.values)
            for saved in refused
        ]

    def close(self) -> list[str]:
        """Restore (once more for what was refused before), then stop the receiver."""
        with self._lock:
            failed = self._restore()
            self._saved = {}  # nothing is tried after the run
            if self.receiver is not None:
                self.receiver.stop()
                self.receiver = None
            return failed


def _without_userinfo(url: str) -> str:
    """A URL as it may be shown: without ``user:password@`` (credentials of the user's own
    endpoint are no business of a report)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()
