"""TaskRouter's expression language: ``EvaluateTaskAttributes``, workflow filters, targets.

Public face::

    compile_expression(text: str) -> Expression        # cached; raises ExpressionSyntaxError
    Expression.text: str
    Expression.keys: frozenset[str]                      # key paths as written
    Expression.roots: frozenset[str]                     # their first segments
    Expression.matches(attributes: Mapping[str, Any]) -> bool
    ExpressionSyntaxError(ValueError)                    # .expression .position .reason

Grammar: ``grammar.lark`` (LALR, basic lexer). Parsing runs the :mod:`.compiler` transformer
inline, turning the text straight into nested closures; evaluation rules live in
:mod:`.evaluate`.

Sources: DOC-EXPR = https://www.twilio.com/docs/taskrouter/expression-syntax and the
EvaluateTaskAttributes operator list of https://www.twilio.com/docs/taskrouter/api/task
(the clauses ``task.expr.*`` of spec/clauses.yaml quote them). Each rule below is marked
**documented** (stated by those pages) or **inferred** (our choice where Twilio says nothing;
revisit once recorded against the real service).

Syntax
------
- documented: constants are strings in single or double quotes, integers, floats, and
  unquoted ``true``/``false``; a constant may appear on either side (``1 == 1``).
- documented (DOC-WF example ``preferred_agents != null``): ``null`` is a literal.
- documented: lists are written ``[a, b, ...]``.
- inferred: list items are constants only (no keys, no nested lists); ``[]`` is allowed; no
  trailing comma.
- inferred: inside a string a backslash makes the next character literal (``\\"``, ``\\'``,
  ``\\\\``); there are no other escapes, so ``\\n`` is ``n``.
- inferred: numbers are ``-?[0-9]+(\\.[0-9]+)?``: no exponent, no leading ``+``, no ``.5``;
  a literal with a ``.`` is a float, otherwise an int.
- documented: keys are unquoted names with ``.`` nesting and ``[n]`` indexes.
- inferred: a key path is a single token ``[A-Za-z_][A-Za-z0-9_]*`` segments with no spaces
  (``a . b`` and ``a[ 0 ]`` are syntax errors); indexes are non-negative decimal integers.
- documented: "Hyphens are not supported in TaskRouter expressions": a ``-`` in a key is a
  syntax error at the hyphen.
- inferred: a ``-`` *inside a quoted string* is accepted (``lang == "en-US"``), although the
  docs' wording could also be read as rejecting hyphenated values.
- documented: operators ``==`` ``=`` ``!=`` ``>`` ``<`` ``>=`` ``<=`` ``CONTAINS`` ``HAS``
  ``>-`` ``IN`` ``<-`` ``NOT IN`` ``AND`` ``OR`` and parentheses.
- inferred: ``<-`` is an alias of ``IN`` only; the docs also print it next to ``NOT IN``,
  which reads as a typo.
- inferred: operators lex greedily, so ``a<-1`` is ``a IN 1`` (false) and ``a>-1`` is
  ``a HAS 1``; write ``a < -1`` for a negative comparison.
- inferred (the Activity docs write lowercase ``in``): keywords ``AND OR NOT IN HAS CONTAINS
  TRUE FALSE NULL`` are case-insensitive and reserved: none of them can be the first segment
  of a key (``task.in`` is fine); ``NOT`` exists only as part of ``NOT IN``.
- inferred: ``AND`` binds tighter than ``OR`` (SQL-like); both are left-associative.
- inferred: an expression must be a comparison or a logical combination of comparisons; a
  bare key or constant (``language``, ``true``) is a syntax error.
- inferred: only ASCII whitespace (space, tab, CR, LF, FF) separates tokens.
- inferred: empty/blank text, text longer than 4096 characters, and more than 100 levels of
  alternating AND/OR nesting are rejected as syntax errors.
- inferred: the error message is ``Invalid EvaluateTaskAttributes expression at position N:
  <reason>`` where N is the 1-based character offset of the offending token (one past the
  end for a premature end); the real service's wording and status are unverified.

Evaluation
----------
- documented: a missing key resolves to null; inferred: so does an out-of-range index, an
  index into a non-array, and a name step into a non-object.
- documented: ``CONTAINS``: the left string contains the right one (substring); inferred:
  false unless both sides are strings, and ``"x" CONTAINS ""`` is true.
- documented: ``HAS``: the left array contains the right value; inferred: false unless the
  left is an array and the right is not an array.
- documented: ``IN``/``NOT IN``: the left value is (not) in the right list; inferred: both are
  false unless the right side is an array and the left is a scalar (array or object → false);
  a null left gives ``IN`` false and ``NOT IN`` true.
- documented: "A scalar operator applied to an array gives false": ``== != > < >= <=``
  and ``CONTAINS`` with an array on either side are false (including ``!=``), except that
  a comparison with ``null`` is a presence test (inferred from the workflow docs' idiom
  ``preferred_agents != null`` on an array): ``[...] != null`` is true, ``[...] == null`` false.
- documented: "An array operator applied to two scalars gives false".
- inferred: ints and floats compare numerically (``1 == 1.0``); booleans are not numbers
  (``true == 1`` is false); null equals only null.
- inferred: ``==`` between different types is false and ``!=`` is true (so ``missing == null``
  is true and ``missing != null`` is false).
- inferred: ordering operators apply to two numbers or two strings only (strings compare by
  code point, case-sensitively); any other pair, booleans and null included, is false.
- inferred: string equality is case-sensitive.
- inferred: objects (reached through keys) equal only structurally equal objects under the
  same strict rules; the equality used by ``HAS``/``IN`` is the same as ``==``.
- inferred: ``task.x`` / ``worker.x`` in target expressions are ordinary dot paths; resolve
  them against ``{"task": {...}, "worker": {...}}``.
"""

from __future__ import annotations

from .parser import MAX_LENGTH, Expression, ExpressionSyntaxError, compile_expression

__all__ = ["MAX_LENGTH", "Expression", "ExpressionSyntaxError", "compile_expression"]
