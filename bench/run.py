"""python bench/run.py [filter] [--quick] [--json PATH]: the same suite as python -m bench (bench/main.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository root: bench

from bench.main import main  # noqa: E402

if __name__ == "__main__":
    main()
