"""Let mutmut 3 mutate ``@transaction.atomic`` services (docs/mutation-testing.md).

mutmut 3 skips every decorated function, so the services themselves (``contact_merge``,
``segment_criteria_apply``, …) are never mutated. For a session only, this rewrites

    @transaction.atomic
    def contact_merge(...):

into ``def contact_merge(...):`` plus ``contact_merge = transaction.atomic(contact_merge)`` at the
end of the module: same behaviour, and mutmut now sees an undecorated function. Never commit the
result; undo it with ``git checkout -- <file>``.

    .venv/bin/python scripts/mutmut_undecorate.py contacts/dedupe.py contact_merge ...
"""

import re
import sys
from pathlib import Path


def undecorate(source: str, name: str) -> str:
    pattern = re.compile(rf"^@transaction\.atomic\n(def {re.escape(name)}\()", re.MULTILINE)
    if not pattern.search(source):
        raise SystemExit(f"no '@transaction.atomic' function named {name}")
    source = pattern.sub(r"\1", source)
    return f"{source}\n{name} = transaction.atomic({name})  # scripts/mutmut_undecorate.py\n"


def main(path: str, *names: str) -> None:
    file = Path(path)
    source = file.read_text()
    for name in names:
        source = undecorate(source, name)
    file.write_text(source)


if __name__ == "__main__":
    main(*sys.argv[1:])
