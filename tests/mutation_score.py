"""The score of the last mutation run (`make mutation`): mutants killed, survived and in all, and
whether every survivor is explained in tests/mutation_survivors.toml.

Reads the results mutmut left in mutants/ (one ``<module>.py.meta`` file per mutated module).
Exits non-zero when a survivor is not explained, when an explanation names a mutant that no
longer survives (the code or the tests changed: look again), or when the run did not finish.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EXPLAINED = ROOT / "tests" / "mutation_survivors.toml"

# mutmut's exit codes (mutmut/stats.py): a failing test run kills the mutant, and so does one
# that runs out of time (the mutant loops) or one the type checker refuses.
KILLED = {1: "killed", 3: "killed", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout"}
KILLED |= {255: "timeout", 37: "caught by type check"}
NOT_RUN = {None: "not checked", 2: "interrupted"}
# Anything else survived: the tests passed (0), no test reached the mutant (5, 33), or the run
# was skipped, suspicious or crashed.
SURVIVED = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 35: "suspicious"}


def results() -> dict[str, int | None]:
    """Every mutant's exit code, by name."""
    codes: dict[str, int | None] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def explained() -> dict[str, str]:
    with EXPLAINED.open("rb") as file:
        return tomllib.load(file)["survivors"]


def main() -> int:
    codes = results()
    if not codes:
        print("No mutation results in mutants/: run `make mutation` first.")
        return 1
    not_run = sorted(name for name, code in codes.items() if code in NOT_RUN)
    killed = Counter(KILLED[code] for code in codes.values() if code in KILLED)
    survivors = {
        name: SURVIVED.get(code, f"exit code {code}")
        for name, code in codes.items()
        if code not in KILLED and code not in NOT_RUN
    }
    reasons = explained()
    unexplained = sorted(set(survivors) - set(reasons))
    stale = sorted(set(reasons) - set(survivors))

    total = len(codes)
    print(
        f"{total:,} mutants, {killed.total():,} killed ({killed['timeout']:,} by a timeout), "
        f"{len(survivors):,} survived, {len(not_run):,} not run; "
        f"{len(set(survivors) & set(reasons)):,} survivors explained in "
        f"{EXPLAINED.relative_to(ROOT)}."
    )
    for name in unexplained:
        print(f"  unexplained survivor ({survivors[name]}): {name}   (see: mutmut show {name})")
    for name in stale:
        print(f"  explained, but not a survivor (any more): {name}")
    for name in not_run:
        print(f"  not run: {name}")
    return 1 if unexplained or stale or not_run else 0


if __name__ == "__main__":
    sys.exit(main())
