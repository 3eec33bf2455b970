#!/usr/bin/env bash
# Reproduces checkpoints/reader-small: a from-scratch Kosmos-2.5-architecture reader trained
# on this CPU: one-word snippets first (the image gap opens within 250 steps), then page
# strips, the task the reader does (benchmarks/reader_curriculum.py measured that a longer
# words → lines → snippets curriculum did not learn faster than the target task). Every stage
# resumes from its last checkpoint, so the script can be stopped and run again; a finished
# stage is skipped. Do not run it while the test suite runs (they share the cores).
#   bash scripts/train-bundled-reader.sh [RUNS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs/reader-small}
LIT=${LITERATE:-.venv/bin/literate}
COMMON=(--threads "${THREADS:-2}" --task ocr --eval-steps 250 --save-steps 250)

PAGES=${PAGES:-runs/pages-train}

stage() {  # name base level patches batch lr steps [extra options]
  local out="$RUNS/$1"
  if [ -f "$out/train_summary.json" ] && grep -q "\"global_step\": $7," "$out/train_summary.json"; then
    echo "stage $1: done"; return
  fi
  echo "stage $1: $3 level, $4 patches, batch $5, lr $6, $7 steps"
  "$LIT" train reader --out "$out" --base "$2" --level "$3" --max-patches "$4" \
    --batch-size "$5" --lr "$6" --max-steps "$7" --warmup-steps 100 \
    --train-samples 40000 "${COMMON[@]}" --resume "${@:8}"
}

stage 1-words  scratch:small       word    128 16 1e-3 1500
# data-engine pages (tables, lists, forms, receipts, two columns) for half of the strips
"$LIT" data render --out "$PAGES" --n 300 --split train --dpi 150 --workers 1
stage 2-strips "$RUNS/1-words"     strip   256  8 5e-4 "${STRIP_STEPS:-2500}" --pages "$PAGES"

DEST=checkpoints/reader-small
mkdir -p "$DEST"
for f in config.json generation_config.json model.safetensors processor_config.json \
         tokenizer.json tokenizer_config.json train_summary.json; do
  cp "$RUNS/2-strips/$f" "$DEST/"
done
cp "$RUNS/1-words/train_summary.json" "$DEST/train_summary_words.json"  # the record of both stages
cat > "$DEST/literate_reader.json" <<JSON
{"strips": true, "strip_scale": 0.8, "strip_overlap": 0.5, "max_patches": 256, "batch_size": 8,
 "max_new_tokens": 512}
JSON
echo "bundled reader in $DEST"
