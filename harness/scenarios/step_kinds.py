"""The step kinds beyond one request: ``eventually``, ``paginate`` and ``create_tasks``.

Each is a function of the running case (``CaseRun``), which sends, checks and saves for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.jsonpath import parse_path
from harness.results.model import Failure
from harness.scenarios.failures import StepFailed, off_spec_failure
from harness.scenarios.loader import DEFAULT_CREATE_PATH
from harness.scenarios.model import RequestSpec, Step
from harness.wire.client import ForeignHostError

if TYPE_CHECKING:
    from harness.scenarios.runner import CaseRun


def eventually(run: CaseRun, step: Step) -> None:
    """``eventually``: repeat the request until the expectations hold, within a budget."""
    assert step.eventually is not None and step.request is not None
    within = run.seconds(step.eventually.within)
    every = step.eventually.every
    real = step.eventually.real_time
    services = run.services
    clock = services.monotonic if real else services.target_monotonic
    started = clock()
    attempts = 0
    while True:
        attempts += 1
        result = run._send(step, step.request)
        off_spec = run._spec_problems(result)  # even while waiting for another status
        if off_spec:
            raise StepFailed(off_spec_failure(step.name, off_spec))
        failure = run._check(step.name, step.expect, result)
        if failure is None:
            run._save(step, result.document, result.response.headers, result.response)
            return
        elapsed = clock() - started
        if elapsed + every > within:
            failure.message += (
                f" (still failing after {attempts} attempt(s) over {elapsed:.1f}s; "
                f"eventually within {within:g}s)"
            )
            raise StepFailed(failure)
        if real:
            services.pause_real(every)
        else:
            services.pause(every)


def paginate(run: CaseRun, step: Step) -> None:
    """``paginate``: follow ``meta.next_page_url`` to the end, checking every page."""
    assert step.paginate is not None and step.request is not None
    items_path = parse_path(step.paginate.items)
    collected: list[Any] = []
    page_sizes: list[int] = []
    urls: list[str] = []
    result = run._send(step, step.request)
    pages = 0
    while True:
        pages += 1
        failure = run._check(step.name, step.expect, result)
        if failure:
            failure.message = f"page {pages}: {failure.message}"
            raise StepFailed(failure)
        items = items_path.resolve(result.document)
        if not isinstance(items, list):
            raise StepFailed(
                Failure(
                    step.name,
                    f"json.{items_path}",
                    "a list",
                    items,
                    f"page {pages}: expected a list at {items_path}",
                )
            )
        collected.extend(items)
        page_sizes.append(len(items))
        urls.append(result.url)
        meta = result.document.get("meta") if isinstance(result.document, dict) else None
        next_url = meta.get("next_page_url") if isinstance(meta, dict) else None
        if not next_url:
            break
        if pages >= step.paginate.max_pages:
            raise StepFailed(
                Failure(
                    step.name,
                    "paginate",
                    f"at most {step.paginate.max_pages} pages",
                    pages,
                    f"still a next_page_url after {pages} pages",
                )
            )
        if not isinstance(next_url, str):
            raise StepFailed(
                Failure(
                    step.name,
                    "json.meta.next_page_url",
                    "a URL",
                    next_url,
                    f"next_page_url is not a string: {next_url!r}",
                )
            )
        if next_url in urls:
            raise StepFailed(
                Failure(
                    step.name,
                    "paginate",
                    "a new page",
                    next_url,
                    f"page {pages}: next_page_url repeats an earlier page: {next_url}",
                )
            )
        try:
            result = run._send(step, step.request, url_override=next_url)
        except ForeignHostError as exc:
            raise StepFailed(
                Failure(
                    step.name,
                    "json.meta.next_page_url",
                    "a URL on the target's host",
                    next_url,
                    str(exc),
                )
            ) from None
    aggregate = {"items": collected, "pages": pages, "page_sizes": page_sizes, "urls": urls}
    failure = run._check_document(step.name, step.collected, aggregate, {}, "collected")
    if failure:
        raise StepFailed(failure)
    run._save(step, aggregate, {}, None)


def create_tasks(run: CaseRun, step: Step) -> None:
    """``create_tasks``: create ``count`` tagged tasks, saving their SIDs."""
    spec = step.create_tasks
    assert spec is not None
    count = spec.count if isinstance(spec.count, int) else int(run.seconds(spec.count))
    request = RequestSpec(
        method="POST", path=spec.path or DEFAULT_CREATE_PATH, form=spec.form, tag=spec.tag
    )
    sids: list[str] = []
    for index in range(count):
        result = run._send(step, request, extra={"i": index})
        failure = run._check(step.name, step.expect, result)
        if failure:
            failure.message = f"task {index + 1} of {count}: {failure.message}"
            raise StepFailed(failure)
        sid = result.document.get("sid") if isinstance(result.document, dict) else None
        if not isinstance(sid, str):
            raise StepFailed(
                Failure(
                    step.name,
                    "json.sid",
                    "a task SID",
                    sid,
                    f"task {index + 1} of {count}: the response has no sid",
                )
            )
        sids.append(sid)
    if spec.save:
        run.vars[spec.save] = sids
