"""Contributions pages: a project's budget, schemes (drafting, simulating, comparing, adopting,
retiring), charge runs, payments (by hand and from a bank statement), balances and arrears,
affordability; a household's contributions, statement and income declarations.

Thin: selectors read, services write, forms take the services' errors on their fields. Who sees
what (DESIGN.md §1): the project's managers see every page of the project; a resident sees their
own household's pages only, and a manager page answers them 403; a city officer, or anybody
outside the project, gets 404, as for a project they do not know. Every manager's look at a
household's income (the income page, affordability figures) is written to the income access log.
"""
