"""``python -m disclosure_etl.warehouse.docs <out.md>``: write docs/warehouse.md."""

from __future__ import annotations

import sys
from pathlib import Path

from disclosure_etl.warehouse.dictionary import generate


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m disclosure_etl.warehouse.docs <out.md>", file=sys.stderr)
        return 2
    Path(args[0]).write_text(generate(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
