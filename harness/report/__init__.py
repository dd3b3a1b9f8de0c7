"""The run report: one typed ``Report`` per run (``report.json``) and everything computed in it.

Records in, a ``Report`` (harness/report/model/) out (``document.build_report``); the score,
the root causes (``causes``, ``signatures``), the evidence bound (``trim``), the parity
matrices, expected deviations, the baseline comparison, the gate and ``trc report
diff`` all work on that model, so they behave the same on a fresh run and on a report read back
from disk (``document.load_report``). Nothing here sends a request.
"""
