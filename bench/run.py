"""Run every benchmark of this folder (or the one named) and pass on its `BENCH ...` lines."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names):
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name not in {"run.py", "common.py"} and not p.name.startswith("_")
    )
    if names:
        scripts = [p for p in scripts if p.stem in names]
        missing = set(names) - {p.stem for p in scripts}
        if missing:
            sys.exit(f"benchmark inconnu : {', '.join(sorted(missing))}")
    failed = [p.stem for p in scripts if subprocess.run([sys.executable, str(p)], cwd=HERE.parent).returncode]
    if failed:
        sys.exit(f"benchmarks en échec : {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
