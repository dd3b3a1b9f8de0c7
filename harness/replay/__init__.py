"""Record a session once, replay it against any candidate and diff the answers field by field.

* ``record``: run scenarios through the scenario engine while vcrpy records every exchange;
  redact; write a cassette with provenance (``cassette.py``).
* ``replay``: send the recorded requests in order to a candidate, re-binding SIDs, ETags, page
  tokens and URLs learned from earlier responses (``bindings.py``), and compare each answer with
  the recorded one through small normalisers (``normalise.py``, ``compare.py``); windows come
  from the candidate's profile (``timing.py``); unsupported features, unmapped profile keys,
  meanings and causes are judged for the candidate (``judging.py``, ``judge.py``).
* ``serve``: a cassette as a target (``trc run --target cassette:PATH``).
* ``phase``: the replay phase for ``trc run --phases ...,replay``.
"""
