"""Booking pages: a project's spaces, a space's week and its booking form, my bookings, the
managers' approval queue, space settings, the fair-use report, handover at check-out, and the
calendar feeds.

Thin: selectors read, services write. Every page that shows or reads a time does it in the
project's time zone (``timezone.override``), so the ``datetime-local`` inputs and the times on
the page are the space's wall clock.
"""
