"""The run report: one document per run (``report.json``) and everything computed from it.

Records in, a plain JSON-able document out (``document.build_report``); the score, the parity
matrices, expected deviations, the baseline comparison, the gate and ``trc report diff`` all
work on that document, so they behave the same on a fresh run and on a report read back from
disk. Nothing here sends a request.
"""
