"""Proposals and their ballots, proxies, and the decision register (DESIGN.md §6).

The views only adapt HTTP: the governance services judge every rule and raise
``ValidationError`` (→ 400 on the field), ``Conflict`` (→ 409: the vote is not open yet or any
more, a ballot that may not change, a used proxy) or ``PermissionDenied`` (→ 403: not in the
electorate, no proxy, not a manager). What a user may see comes from the governance selectors:
a proposal, proxy or decision outside them answers 404, so a city officer or a resident of
another project learns nothing of it.

Secrecy: the results stay hidden until the close (409), except the live count an open ballot may
allow. After the close an open ballot shows who voted what; a secret ballot shows its receipt
codes with their choices and never a voter. Who took part in a vote is only ever a number here
(the turnout).

- ``/proposals/`` — list, detail (with the user's ballot state), create and edit drafts,
  ``withdraw``, ``vote``, ``paper-ballot``, ``results``; for consent: ``round-entries`` (and
  their ``answer``), ``advance-phase``, ``amend``, ``close-round``;
- ``/proxies/`` — the proxies a user gave or holds (managers: all of their projects'), grant,
  revoke (``DELETE`` or ``POST …/revoke/``);
- ``/decisions/`` — the decision register, searchable with ``?q=``, and its CSV ``export``.
"""
