#!/usr/bin/env bash
# Run `trc run` as a CI gate: run it, publish report.md to the job summary, hand back the exit
# code and where the report is. The composite Action (action.yml) runs this; it also runs on
# its own, in any CI or on a laptop (tests/packaging/test_ci_docs.py does).
#
# Input, from the environment (the Action maps its inputs onto these):
#   TRC_GATE_TARGET       required. [LABEL=]SPEC of the server under test (an http(s):// URL,
#                         `embedded`, ...); one per line for several targets.
#   TRC_GATE_PROFILE      target profile: FILE, LABEL=FILE or `reference`; one per line.
#   TRC_GATE_FAIL_UNDER   gate on the score (0-100).
#   TRC_GATE_DEVIATIONS   expected-deviations YAML; passed only when the file exists.
#   TRC_GATE_BASELINE     an earlier report.json (or its folder); passed only when it exists.
#   TRC_GATE_REPORT_DIR   parent of the run's report folder (default: trc-report).
#   TRC_GATE_ARGS         more `trc run` options, split on whitespace (e.g. `--tag smoke`).
#   TRC_GATE_EXIT         `trc` (default): exit with trc's exit code; `zero`: exit 0 and leave
#                         the failing to the caller (the Action fails after the upload).
#   TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN
#                         the clone's credentials; trc reads them itself (URL targets only).
#   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT
#                         set by GitHub Actions; appended to when set.
#
# Output (to $GITHUB_OUTPUT when set, and on stdout's last lines):
#   exit-code    trc's exit code (0 gate passed, 1 gate failed, 2 usage, 3 unreachable)
#   report-path  absolute path of this run's report folder (<report-dir>/<run-id>), or of
#                <report-dir> when trc wrote no report
#   score        the (first target's) score as report.md shows it, empty without a report
set -uo pipefail

die() {
    echo "::error::trc-gate: $*" >&2
    exit 2
}

[ -n "${TRC_GATE_TARGET:-}" ] || die "TRC_GATE_TARGET (the Action's 'target' input) is required"
report_dir="${TRC_GATE_REPORT_DIR:-trc-report}"
mode="${TRC_GATE_EXIT:-trc}"
case "$mode" in
    trc | zero) ;;
    *) die "TRC_GATE_EXIT must be 'trc' or 'zero', not '$mode'" ;;
esac

args=()
while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && args+=(--target "$line")
done <<<"$TRC_GATE_TARGET"
while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && args+=(--profile "$line")
done <<<"${TRC_GATE_PROFILE:-}"
if [ -n "${TRC_GATE_FAIL_UNDER:-}" ]; then
    args+=(--fail-under "$TRC_GATE_FAIL_UNDER")
fi
if [ -n "${TRC_GATE_DEVIATIONS:-}" ]; then
    if [ -f "$TRC_GATE_DEVIATIONS" ]; then
        args+=(--expect-deviations "$TRC_GATE_DEVIATIONS")
    else
        echo "::notice::trc-gate: no deviations file at $TRC_GATE_DEVIATIONS; running without"
    fi
fi
if [ -n "${TRC_GATE_BASELINE:-}" ]; then
    if [ -e "$TRC_GATE_BASELINE" ]; then
        args+=(--baseline "$TRC_GATE_BASELINE")
    else
        echo "::notice::trc-gate: no baseline at $TRC_GATE_BASELINE; gating without one"
    fi
fi
args+=(--report-dir "$report_dir")
if [ -n "${TRC_GATE_ARGS:-}" ]; then
    read -r -a extra <<<"$TRC_GATE_ARGS"
    args+=("${extra[@]}")
fi

mkdir -p "$report_dir" || die "cannot create the report folder $report_dir"
stamp="$(mktemp)"
trap 'rm -f "$stamp"' EXIT

echo "trc run ${args[*]}"
trc run "${args[@]}"
code=$?

report_path="$(cd "$report_dir" && pwd -P)"
score=""
latest="$report_dir/latest"
run_folder=""
# A report counts only if this run wrote it (newer than the stamp): latest may still name an
# earlier run's folder when trc stopped before writing one (exit 2).
if [ -L "$latest" ] || [ -d "$latest" ]; then
    run_folder="$(cd "$latest" && pwd -P)"
elif [ -f "$latest" ]; then
    # where symlinks are not allowed, latest is a text file naming the run folder
    run_folder="$report_path/$(head -n 1 "$latest")"
fi
if [ -n "$run_folder" ] && [ -f "$run_folder/report.json" ] \
    && [ "$run_folder/report.json" -nt "$stamp" ]; then
    report_path="$run_folder"
    score="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["score"]["display"])' \
        "$run_folder/report.json" 2>/dev/null || true)"
else
    run_folder=""
fi

case "$code" in
    0) meaning="gate passed" ;;
    1) meaning="gate failed" ;;
    2) meaning="usage or configuration error" ;;
    3) meaning="target unreachable" ;;
    130) meaning="interrupted" ;;
    *) meaning="unexpected exit code" ;;
esac

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    if [ -n "$run_folder" ] && [ -f "$run_folder/report.md" ]; then
        cat "$run_folder/report.md" >>"$GITHUB_STEP_SUMMARY"
    else
        printf '## TaskRouter conformance\n\ntrc run exited %s (%s) without writing a report; see the log.\n' \
            "$code" "$meaning" >>"$GITHUB_STEP_SUMMARY"
    fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "exit-code=$code"
        echo "report-path=$report_path"
        echo "score=$score"
    } >>"$GITHUB_OUTPUT"
fi

echo "exit-code=$code ($meaning)"
echo "report-path=$report_path"
echo "score=$score"
if [ "$code" -ne 0 ]; then
    echo "::error::trc run exited $code: $meaning (report: $report_path)"
fi
if [ "$mode" = zero ]; then
    exit 0
fi
exit "$code"
