"""How many examples each Hypothesis property tries.

The properties ask for a few hundred examples, which is what a normal test run should try. The
mutation run (`make mutation`, HYPOTHESIS_PROFILE=mutation) runs the same properties again for
every mutant of the functions they reach: there a few dozen examples find a broken formula just
as well (the mutants that survive them are listed, not hidden), and each mutant takes a second
instead of twenty. The decorators' own ``max_examples`` override any profile, so they read it
from here.
"""

from __future__ import annotations

import os

MUTATION_RUN = os.environ.get("HYPOTHESIS_PROFILE") == "mutation"
MUTATION_EXAMPLES = 25


def examples(wanted: int) -> int:
    """The examples a property tries: ``wanted``, or fewer during a mutation run."""
    return min(wanted, MUTATION_EXAMPLES) if MUTATION_RUN else wanted
