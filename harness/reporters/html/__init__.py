"""``report.html``: one self-contained page (inline CSS and JS, no network, no external assets).

The page is rendered in full on the server side, so it reads without JavaScript; the small
inline script (assets/report.js) only adds the filters (status, feature/category, clause,
operation, target, free text; also settable from the address:
``report.html#status=fail,error&feature=etag``, ``#cause=<id>``, ``#field=<Op>|<field>``),
cells of both matrices and the causes of "Fix these first" that filter the case list, and
copy buttons. Case cards are collapsed by default. Light and dark (assets/report.css) follow
``prefers-color-scheme``.

Sections: ``page`` (head, contents, configuration), ``causes`` (Fix these first, not
configured), ``sections`` (targets, side by side, deviations, baseline), ``matrices`` and
``cases`` (filters and the case entries).
"""

from harness.reporters.html.page import report_html, write_report_html

__all__ = ["report_html", "write_report_html"]
