"""`python -m infra.schemas`: write docs/asyncapi.yaml and every published schema."""

from __future__ import annotations

import sys

from infra.schemas.docs import DOCS, write_docs


def main() -> int:
    for path in write_docs():
        sys.stdout.write(f"{path.relative_to(DOCS.parent)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
