"""Meetings, proposals, proxies, ballots and decisions (DESIGN.md §3)."""
