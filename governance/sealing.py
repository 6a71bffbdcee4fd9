"""Sealing a secret ballot until the close: authenticated encryption under a per-proposal key.

Why: a choice written in clear in the voter's own transaction is linked to the voter by the
database itself — the participation row and the choice row carry the same ``xmin``, lie side by
side on disk and come one after the other in any sequence. So during the vote a secret ballot is
stored only sealed; the close opens every sealed ballot of the proposal in one transaction and
writes the choices in a shuffled order (governance/services/proposals.py).

How:
- The key of a proposal is HKDF-SHA256 (RFC 5869) of the sealing secret, with the proposal's id
  in ``info``: one secret, kept outside the database (settings ``BALLOT_SEALING_KEY``), gives a
  different 256-bit key to every proposal.
- A ballot is AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce and the proposal's id as
  associated data, so a sealed ballot copied to another proposal does not open.
- The content (choice, receipt code, weight) is JSON padded with spaces to one length per
  proposal, the length of the longest ballot it allows: the size of a sealed ballot tells
  nothing of the choice ("yes" is shorter than "abstain", two approvals shorter than five).

Pure: the standard library and ``cryptography``; no Django, no database, no clock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
# The longest answer a vote without options takes (yes / no / abstain; object in consent).
LONGEST_PLAIN_CHOICE = "abstain"
# Bounds for the padding: a receipt code is 14 characters, a weight two small integers.
LONGEST_RECEIPT = "X" * 32
LONGEST_WEIGHT = (2**32, 2**32)


class SealBroken(ValueError):
    """A sealed ballot that does not open: another secret, another proposal, or tampered with."""


@dataclass(frozen=True)
class Ballot:
    """What a sealed ballot holds: everything that the close publishes, nothing of the voter."""

    choice: Any
    receipt: str
    weight_numerator: int
    weight_denominator: int


def _content(ballot: Ballot) -> bytes:
    # ensure_ascii: every character is escaped to ASCII, so a length is the same for everyone.
    return json.dumps(
        {
            "choice": ballot.choice,
            "receipt": ballot.receipt,
            "weight": [ballot.weight_numerator, ballot.weight_denominator],
        },
        ensure_ascii=True,
        separators=(",", ":"),
    ).encode("ascii")


def padded_length(options: Sequence[str]) -> int:
    """The length every ballot of a vote with these options is padded to: that of its longest
    ballot (an approval or a ranking uses each option at most once, so the whole list is it)."""
    longest = max(
        (
            _content(Ballot(choice, LONGEST_RECEIPT, *LONGEST_WEIGHT))
            for choice in (LONGEST_PLAIN_CHOICE, list(options))
        ),
        key=len,
    )
    return len(longest)


def proposal_key(*, secret: str, proposal_id: int) -> bytes:
    if not secret:
        raise ValueError("no ballot sealing secret")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"netco-commons sealed ballot v1 proposal %d" % proposal_id,
    ).derive(secret.encode())


def _associated_data(proposal_id: int) -> bytes:
    return b"proposal %d" % proposal_id


def seal(*, secret: str, proposal_id: int, options: Sequence[str], ballot: Ballot) -> bytes:
    """The ballot sealed for this proposal: nonce followed by ciphertext and tag."""
    content = _content(ballot)
    length = padded_length(options)
    if len(content) > length:
        raise ValueError("a ballot longer than the vote allows")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(proposal_key(secret=secret, proposal_id=proposal_id)).encrypt(
        nonce, content.ljust(length, b" "), _associated_data(proposal_id)
    )
    return nonce + sealed


def unseal(*, secret: str, proposal_id: int, sealed: bytes) -> Ballot:
    """The ballot inside; ``SealBroken`` if it was not sealed for this proposal with this secret."""
    aead = AESGCM(proposal_key(secret=secret, proposal_id=proposal_id))
    try:
        content = aead.decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated_data(proposal_id)
        )
    except (InvalidTag, ValueError) as exc:  # ValueError: too short to hold a nonce
        raise SealBroken(f"a sealed ballot of proposal {proposal_id} does not open") from exc
    data = json.loads(content)
    numerator, denominator = data["weight"]
    return Ballot(data["choice"], data["receipt"], numerator, denominator)


__all__ = ["Ballot", "SealBroken", "padded_length", "proposal_key", "seal", "unseal"]
