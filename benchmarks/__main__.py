"""``python -m benchmarks [--quick] [--json OUT]``: run the benchmarks and print each figure."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from benchmarks.run import config_for, print_summary, run_benchmarks, write_results


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmarks, write the JSON results; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of integration-kg, each figure against a baseline of the same run.")
    parser.add_argument("--quick", action="store_true", help="small sizes: about a minute")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: a few seconds")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results here")
    parser.add_argument("--work", type=Path, help="keep corpora and stores in this directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-results", action="store_true",
                        help="do not write benchmarks/results/<name>-<time>.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    name = "smoke" if args.smoke else "quick" if args.quick else "full"
    config = config_for(name, seed=args.seed)
    def checkpoint(partial: dict) -> None:
        """Write what is measured so far: a long run that is stopped still leaves figures."""
        if args.json:
            write_results({**partial, "partial": True}, args.json)

    results = run_benchmarks(config, work=args.work, echo=lambda m: print(m, flush=True),
                             checkpoint=checkpoint)
    print()
    print_summary(results)
    if not args.no_results:
        print(f"results: {write_results(results)}")
    if args.json:
        print(f"results: {write_results(results, args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
