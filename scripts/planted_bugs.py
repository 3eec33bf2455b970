"""Plant each bug of issue 27 in a copy of ``src/`` and check that the test file covering
its module fails on it.

    python scripts/planted_bugs.py            # every bug; exit 1 if any survives
    python scripts/planted_bugs.py splits-    # only bugs whose name starts so

Each bug is one exact text replacement in one module. The working tree is never touched:
the module is patched in a temporary copy of ``src/`` that goes first on ``PYTHONPATH``
while pytest runs the covering test file (``-x``: the first failure is enough). A bug is
caught when pytest reports failed tests (exit 1); a patch that breaks collection (exit 2)
or a test file that passes counts as not caught. A selection (``-k``) narrows a long test
file to the tests meant for that bug, and is shown in the table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bug:
    name: str
    what: str
    module: str  # under src/literate/
    old: str
    new: str
    tests: str  # the test file covering the module
    select: str | None = None  # pytest -k


BUGS = [
    Bug(
        "mask-local-late",
        "sentinel mask: local band starts one chunk late",
        "sentinel/mask.py",
        "lo = start(chunk_ids - config.local_chunks)",
        "lo = start(chunk_ids - config.local_chunks + 1)",
        "tests/test_sentinel_core.py",
    ),
    Bug(
        "mask-max-sentinels",
        "max_sentinels off by one (the rule mask and stream share)",
        "sentinel/mask.py",
        "(k_chunk >= q_chunk - config.max_sentinels)",
        "(k_chunk > q_chunk - config.max_sentinels)",
        "tests/test_sentinel_core.py",
    ),
    Bug(
        "stream-max-sentinels",
        "max_sentinels off by one, seen by the stream tests",
        "sentinel/mask.py",
        "(k_chunk >= q_chunk - config.max_sentinels)",
        "(k_chunk > q_chunk - config.max_sentinels)",
        "tests/test_sentinel_stream.py",
    ),
    Bug(
        "stream-evicts-sr",
        "stream eviction drops one live <SR> early",
        "sentinel/stream.py",
        "k.sentinel & (k.chunk >= chunk - c.max_sentinels)",
        "k.sentinel & (k.chunk > chunk - c.max_sentinels)",
        "tests/test_sentinel_stream.py",
    ),
    Bug(
        "stream-sinks",
        "sinks policy keeps one sink fewer than asked",
        "sentinel/stream.py",
        'return cls("sinks", budget, config.sink_tokens)',
        'return cls("sinks", budget, config.sink_tokens - 1)',
        "tests/test_sentinel_stream.py",
    ),
    Bug(
        "stream-generate-sr-logits",
        "generation predicts the token after an <SR> from the <SR> (found in issue 27)",
        "sentinel/stream.py",
        "so ``logits`` stay that token's\n                streamer.feed(",
        "so ``logits`` stay that token's\n                logits = streamer.feed(",
        "tests/test_sentinel_stream.py",
        "generation",
    ),
    Bug(
        "stream-generate-sr-token",
        "generation may emit <SR> as an ordinary token (found in issue 27)",
        "sentinel/stream.py",
        '                logits[self.sr_id] = float("-inf")\n',
        "                pass\n",
        "tests/test_sentinel_stream.py",
        "generation",
    ),
    Bug(
        "plora-bias-sqrt",
        "PLoRA: bias scaled by sqrt(momentum) instead of momentum",
        "plora/unload.py",
        "layer.lora_B[adapter].bias.mul_(momentum)",
        "layer.lora_B[adapter].bias.mul_(keep)",
        "tests/test_plora_unload.py",
    ),
    Bug(
        "plora-keep",
        "PLoRA: keep = momentum instead of sqrt(momentum)",
        "plora/unload.py",
        "keep = math.sqrt(momentum)",
        "keep = momentum",
        "tests/test_plora_unload.py",
    ),
    Bug(
        "plora-delta-norm",
        "PLoRA: delta_norm factor not squared",
        "plora/unload.py",
        "* (1.0 - momentum) ** 2",
        "* (1.0 - momentum)",
        "tests/test_plora_unload.py",
    ),
    Bug(
        "metrics-word-set",
        "word hits counted as a set instead of a multiset",
        "reader/metrics.py",
        "hit = sum((pw & tw).values())",
        "hit = len(set(pw) & set(tw))",
        "tests/test_reader_metrics.py",
    ),
    Bug(
        "metrics-word-set-counts",
        "word counts taken over a set of words",
        "reader/metrics.py",
        "return Counter(w for line in lines for w in line.text.split())",
        "return Counter({w for line in lines for w in line.text.split()})",
        "tests/test_reader_metrics.py",
    ),
    Bug(
        "metrics-iou-half",
        "a line at exactly IoU 0.5 no longer matches",
        "reader/metrics.py",
        "if v < threshold:",
        "if v <= threshold:",
        "tests/test_reader_metrics.py",
    ),
    Bug(
        "metrics-empty-pred",
        "empty prediction: precision 1.0 instead of 0",
        "reader/metrics.py",
        "wp = _ratio(hit, sum(pw.values()), both_empty)",
        "wp = _ratio(hit, sum(pw.values()), not pw)",
        "tests/test_reader_metrics.py",
    ),
    Bug(
        "parse-three-copies",
        "a loop of exactly 3 copies no longer trimmed",
        "reader/parse.py",
        "if reps >= min_repeats and",
        "if reps > min_repeats and",
        "tests/test_reader_parse.py",
    ),
    Bug(
        "parse-xy-swapped",
        "parse: x/y scale swapped",
        "reader/parse.py",
        "sx, sy = ow / rw, oh / rh",
        "sy, sx = ow / rw, oh / rh",
        "tests/test_reader_parse.py",
    ),
    Bug(
        "parse-zero-width",
        "parse: zero-width boxes kept",
        "reader/parse.py",
        "if x1 <= x0 or y1 <= y0:",
        "if x1 < x0 or y1 < y0:",
        "tests/test_reader_parse.py",
    ),
    Bug(
        "segment-bridge",
        "segment: row-bridge < becomes <=",
        "reader/layout/segment.py",
        "if out and start - out[-1][1] < bridge:",
        "if out and start - out[-1][1] <= bridge:",
        "tests/test_reader_segment.py",
    ),
    Bug(
        "segment-bottom-width",
        "segment: bottom edge clipped to the width",
        "reader/layout/segment.py",
        "min(height, y1 + p)",
        "min(width, y1 + p)",
        "tests/test_reader_segment.py",
    ),
    Bug(
        "splits-val-cut",
        "splits: validation cut wrong",
        "data/splits.py",
        "val_cut = fractions[0], fractions[0] + fractions[1]",
        "val_cut = fractions[0], fractions[1]",
        "tests/test_data_splits.py",
    ),
    Bug(
        "splits-labels-swapped",
        "splits: validation and test labels swapped",
        "data/splits.py",
        '"validation" if u < val_cut else "test"',
        '"test" if u < val_cut else "validation"',
        "tests/test_data_splits.py",
    ),
    Bug(
        "splits-little-endian",
        "splits: hash read little-endian (every document moves)",
        "data/splits.py",
        'int.from_bytes(digest[:8], "big")',
        'int.from_bytes(digest[:8], "little")',
        "tests/test_data_splits.py",
    ),
    Bug(
        "plora-resume-base",
        "PLoRA base weights not reloaded on resume",
        "plora/callback.py",
        "                load_base_weights(model, folder)\n",
        "                pass\n",
        "tests/test_plora_callback.py",
        "resume",
    ),
    Bug(
        "reader-resume-glyph-head",
        "reader glyph head not reloaded on resume",
        "reader/train/trainer.py",
        "        head.load_state_dict(load_file(str(saved)))\n",
        "        pass\n",
        "tests/test_reader_train.py",
        "resume",
    ),
    Bug(
        "reader-glyph-head-grads",
        "the glyph head's gradients never cleared (found in issue 27)",
        "reader/train/trainer.py",
        "        self.head.zero_grad(set_to_none=True)\n",
        "        pass\n",
        "tests/test_reader_train.py",
        "resume",
    ),
    Bug(
        "plora-fsdp-unsharded",
        "an FSDP2 layer unloaded as if unsharded (the ranks' calls, which mutmut cannot see)",
        "plora/unload.py",
        "    shards = sharded.is_sharded(layer)\n",
        "    shards = False\n",
        "tests/test_plora_fsdp.py",
    ),
    Bug(
        "io-temp-left",
        "a failed atomic write leaves its temp file",
        "io.py",
        "        tmp.unlink(missing_ok=True)\n",
        "        pass\n",
        "tests/test_io.py",
    ),
    Bug(
        "io-direct-write",
        "atomic write replaced by a direct write",
        "io.py",
        '    with atomic_output(path) as tmp:\n        tmp.write_text(text, encoding="utf-8")\n',
        '    Path(path).write_text(text, encoding="utf-8")\n',
        "tests/test_io.py",
    ),
]


def run(bug: Bug) -> tuple[bool, int, float]:
    """(caught, pytest exit code, seconds) for one planted bug."""
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
        module = src / "literate" / bug.module
        text = module.read_text()
        if text.count(bug.old) != 1:
            raise SystemExit(f"{bug.name}: {bug.old!r} occurs {text.count(bug.old)}x in {module}")
        module.write_text(text.replace(bug.old, bug.new))
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", bug.tests]
        if bug.select:
            cmd += ["-k", bug.select]
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        return proc.returncode == 1, proc.returncode, time.perf_counter() - start


def main(prefixes: list[str]) -> int:
    bugs = [b for b in BUGS if not prefixes or any(b.name.startswith(p) for p in prefixes)]
    survived = []
    for bug in bugs:
        caught, rc, seconds = run(bug)
        where = bug.tests + (f" -k {bug.select}" if bug.select else "")
        verdict = "caught" if caught else f"SURVIVED (pytest exit {rc})"
        print(f"{bug.name:26} {verdict:24} {seconds:6.1f} s  {where}  — {bug.what}", flush=True)
        if not caught:
            survived.append(bug.name)
    print(f"{len(bugs) - len(survived)} of {len(bugs)} planted bugs caught")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
