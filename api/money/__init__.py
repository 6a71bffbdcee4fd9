"""The money API (DESIGN.md §6): budgets, schemes, charges, payments, balances,
statements and affordability.

The views only adapt HTTP: the community services judge every rule and raise ``ValidationError``
(→ 400 with the field as the service names it: ``parameters.floor_cents``, ``lines.0.amount_cents``,
``valid_from`` for a period where another scheme is in force, ``file`` with the row numbers of a
bad bank statement) or ``Conflict`` (→ 409: a scheme that is no longer a draft, a charged month's
budget). Nothing is written on an error: every request is one transaction.

Who sees what (DESIGN.md §1: a household's money is the household's and its managers'):

- budgets and schemes: the project's managers and residents (the shared costs are everyone's
  business); managers write them;
- charges, payments and statements: the household itself and its project's managers;
- charge runs, balances, arrears, simulations and a project's affordability: its managers only;
- a household's affordability: the household itself and its project's managers.

City officers, and users of other projects, get 404 for all of it; a resident asking to write
gets 403. A manager who sees a household's income (a charge's breakdown, a simulation row, an
affordability figure) leaves one entry per household in the income access log.

- ``/budgets/`` — list; ``POST`` sets a month's budget (its lines replace the old ones);
- ``/schemes/`` — list, create and edit drafts, ``adopt``, ``retire``; ``simulate`` and
  ``compare`` work out what each household would pay, without writing;
- ``/charges/`` — list; ``run`` charges a project's month (idempotent);
- ``/charge-runs/`` — list;
- ``/payments/`` — list, record one by hand, ``import`` a bank statement (CSV, ``dry_run``);
- ``/projects/{id}/balances/``, ``/projects/{id}/arrears/``, ``/projects/{id}/affordability/``;
- ``/households/{id}/statement/`` (JSON, or ``?format=csv``), ``/households/{id}/affordability/``.
"""
