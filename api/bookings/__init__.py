"""Spaces, their availability, bookings, waitlists and lottery windows, handovers and
maintenance notes (DESIGN.md §6).

The views only adapt HTTP: reads go through the community selectors, writes through the
community services, which check every booking rule and raise ``ValidationError`` (→ 400 with
the field) or ``Conflict`` (→ 409: a taken slot with ``next_free``, a wrong status).
What a user may see comes from the community selectors (``space_list_for_user``,
``booking_list_for_user`` and their kin): anything outside them answers 404, so a resident of
another project learns nothing of a space.
"""
