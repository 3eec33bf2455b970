"""Mutation testing of the pure modules, one module at a time (``make mutate``).

    python scripts/mutate.py                        # every module in pyproject.toml
    python scripts/mutate.py src/literate/io.py     # some of them (path prefixes)
    python scripts/mutate.py --max-children 1 --budget 900 ...

The modules, the test files that cover each and, where only part of a module is meant,
the mutant names to run (globs) are listed under ``[tool.literate.mutation]`` in
pyproject.toml; mutmut's own settings under ``[tool.mutmut]``. For each module a scratch
folder ``.mutation/<module>/`` gets a copy of ``src/`` and ``tests/`` and a
``pyproject.toml`` that tells mutmut to mutate that module only and to run only its test
files, so mutmut's test mapping and timings are those of the module's own tests. Hypothesis
runs derandomized and without shrinking there (profile ``mutation``, tests/conftest.py),
so a mutant meets the same examples as the clean run and fails fast.

The result, ``benchmarks/results/mutation.json``: per module the mutants tried and how
many were killed, survived or timed out (a timeout counts as detected in ``score``), the
survivors by name, and those of them judged equivalent (``[tool.literate.mutation.
equivalent]``, reasons in docs/testing.md). A partial run updates only its modules' rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "mutation.json"
SCRATCH = ROOT / ".mutation"
LINE = re.compile(r"^\s+(\S+): (.+)$")


def settings() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]


def toml_value(value) -> str:
    """A TOML value for strings, numbers, booleans and lists of them (JSON spells them so)."""
    return json.dumps(value, ensure_ascii=False)


def scratch_project(module: dict, tool: dict) -> Path:
    """``.mutation/<module>/`` with src/, tests/ and a pyproject.toml for this module."""
    slug = module["path"].removeprefix("src/").removesuffix(".py").replace("/", ".")
    work = SCRATCH / slug
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(ROOT / "src", work / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    deselect = [a for test in module.get("deselect", []) for a in ("--deselect", test)]
    mutmut = {
        **tool["mutmut"],
        "only_mutate": [module["path"]],
        "pytest_add_cli_args": tool["mutmut"].get("pytest_add_cli_args", []) + deselect,
        "pytest_add_cli_args_test_selection": module["tests"],
    }
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in tool["pytest"]["ini_options"].items()]
    lines += ["", "[tool.mutmut]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in mutmut.items()]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return work


def statuses(work: Path, env: dict) -> dict[str, str]:
    """mutant name → mutmut's status (killed, survived, timeout, no tests, …)."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {m[1]: m[2] for m in map(LINE.match, out.splitlines()) if m}


def refresh_tests(work: Path) -> None:
    """The scratch project's tests (and mutmut's copy of them) replaced by today's."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for dest in (work / "tests", work / "mutants" / "tests"):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(ROOT / "tests", dest, ignore=ignore)


def run_module(
    module: dict, tool: dict, max_children: int, budget: float, again: bool = False
) -> dict:
    import fnmatch

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"HYPOTHESIS_PROFILE": "mutation", "PYTHONDONTWRITEBYTECODE": "1"}
    globs = module.get("mutants", [])
    slug = module["path"].removeprefix("src/").removesuffix(".py").replace("/", ".")
    work = SCRATCH / slug
    if again and (work / "mutants").is_dir():
        # the survivors of the last run (and what it left unchecked or timed out: a timeout
        # under load is no verdict) only, against today's
        # tests (the source unchanged: a changed module needs a full run); a test added can
        # only kill more mutants
        refresh_tests(work)
        targets = [
            k for k, v in statuses(work, env).items() if v in ("survived", "not checked", "timeout")
        ]
        if globs:
            targets = [k for k in targets if any(fnmatch.fnmatch(k, g) for g in globs)]
    else:
        work = scratch_project(module, tool)
        targets = globs
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *targets]
    start = time.perf_counter()
    finished = True
    if targets or not again:  # (again with no survivor: nothing to run)
        log = (work / "mutmut.log").open("a" if again else "w")
        try:
            proc = subprocess.run(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=budget)  # fmt: skip
            finished = proc.returncode == 0
        except subprocess.TimeoutExpired:
            finished = False
        finally:
            log.close()
    seconds = time.perf_counter() - start
    found = statuses(work, env)
    if globs:
        found = {k: v for k, v in found.items() if any(fnmatch.fnmatch(k, g) for g in globs)}
    count = {s: sum(v == s for v in found.values()) for s in set(found.values())}
    survivors = sorted(k for k, v in found.items() if v == "survived")
    row = {
        "path": module["path"],
        "tests": module["tests"],
        "selection": globs or None,
        "deselected": module.get("deselect", []),
        "mutants": len(found),
        "killed": count.get("killed", 0),
        "survived": count.get("survived", 0),
        "timeout": count.get("timeout", 0),
        "other": {k: v for k, v in count.items() if k not in ("killed", "survived", "timeout")},
        "survivors": survivors,
        "finished": finished,
        "seconds": round(seconds, 1),  # (with --again: of the re-test alone)
        "again": again,
    }
    return rescore(row, tool["literate"]["mutation"].get("equivalent", {}))


def rescore(row: dict, equivalent: dict) -> dict:
    """``equivalent`` and ``score`` of a module's row from its survivors and the judged list."""
    judged = [k for k in row["survivors"] if k in equivalent]
    tried = row["killed"] + row["timeout"] + row["survived"]
    non_equivalent = tried - len(judged)
    row["equivalent"] = len(judged)
    detected = row["killed"] + row["timeout"]
    row["score"] = round(detected / non_equivalent, 4) if non_equivalent else None
    return row


def write_json_atomic_here(payload: dict) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from literate.io import write_json_atomic

    write_json_atomic(RESULT, payload)


def table(payload: dict) -> str:
    """The result as docs/testing.md shows it."""
    rows = [
        "| module | tests | mutants | killed | timeout | survived | equivalent | score |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in payload["modules"]:
        tried = r["killed"] + r["timeout"] + r["survived"]
        tests = ", ".join(t.removeprefix("tests/") for t in r["tests"])
        rows.append(
            f"| `{r['path'].removeprefix('src/')}` | {tests} "
            f"| {tried} | {r['killed']} | {r['timeout']} | {r['survived']} | {r['equivalent']} "
            f"| {r['score']:.3f} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="path prefixes of the modules to run")
    parser.add_argument("--max-children", type=int, default=2, help="mutants run at once")
    parser.add_argument("--budget", type=float, default=1800, help="seconds per module")
    parser.add_argument(
        "--again",
        action="store_true",
        help="re-test only the last run's survivors and unchecked mutants with today's tests "
        "(source unchanged)",
    )
    parser.add_argument(
        "--table", action="store_true", help="print the last result as a Markdown table"
    )
    parser.add_argument(
        "--rescore", action="store_true", help="apply today's equivalents to the last result"
    )
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(RESULT.read_text())))
        return 0
    if args.rescore:  # the equivalents judged since the run, applied to its survivors
        payload = json.loads(RESULT.read_text())
        for row in payload["modules"]:
            rescore(row, settings()["literate"]["mutation"].get("equivalent", {}))
        write_json_atomic_here(payload)
        print(table(payload))
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    from literate.io import run_metadata, write_result

    tool = settings()
    modules = tool["literate"]["mutation"]["modules"]
    chosen = [m for m in modules if not args.modules or m["path"].startswith(tuple(args.modules))]
    if not chosen:
        raise SystemExit(f"no module in [tool.literate.mutation] matches {args.modules}")
    rows = {}
    if RESULT.is_file():  # a partial run keeps the other modules' last rows
        rows = {r["path"]: r for r in json.loads(RESULT.read_text()).get("modules", [])}
    for module in chosen:
        print(f"{module['path']}: mutmut over {', '.join(module['tests'])} …", flush=True)
        row = run_module(module, tool, args.max_children, args.budget, args.again)
        rows[row["path"]] = row
        print(
            f"  {row['mutants']} mutants: {row['killed']} killed, {row['survived']} survived, "
            f"{row['timeout']} timeout, {row['equivalent']} of the survivors equivalent; "
            f"score {row['score']} in {row['seconds']:.0f} s"
            + ("" if row["finished"] else " (NOT FINISHED: over budget or failed, see log)"),
            flush=True,
        )
    order = [m["path"] for m in modules]
    payload = {
        "modules": sorted(
            rows.values(), key=lambda r: order.index(r["path"]) if r["path"] in order else 99
        ),
        "versions": {**run_metadata()["versions"], "mutmut": version("mutmut")},
        "score": "(killed + timeout) / (killed + timeout + survived - equivalent)",
    }
    write_result(
        RESULT, payload, command="make mutate  # python scripts/mutate.py " + " ".join(sys.argv[1:])
    )
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if all(r["finished"] for r in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
