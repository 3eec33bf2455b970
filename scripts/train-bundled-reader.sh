#!/usr/bin/env bash
# Reproduces checkpoints/reader-small: a from-scratch Kosmos-2.5-architecture reader trained
# on this CPU, which reads pages as line pieces cut at white space (`--tiling lines`):
#   1. one-word random strings at 32 patches (glyphs ≈ 1 patch wide), with the positional
#      start, the glyph loss and guided attention (docs/reader-training.md, "Glyphs first"): the image signal
#      opens and the model learns to spell what it sees, not a language prior;
#   2. short lines of 2–6 Shakespeare words at 128 patches (the same glyph scale), the
#      pieces the page tiling hands it;
#   3. the same lines cut from Shakespeare, package READMEs and random strings (code,
#      numbers and punctuation, as on the pages);
#   4. half line pieces of 514 rendered training pages (data engine, training fonts), cut as
#      `--tiling lines` cuts a page, half lines as in stage 3;
#   5. the same mixture again at a lower learning rate, drawing from a larger pool;
#   6. the same mixture over 300 more training pages (seed 2), 4,000 steps at 1.5e-4;
#   7. again with 300 more (seed 3), 3,000 steps at 1.5e-4;
#   8. with 600 more (seeds 4, 5), set in 16 training font families instead of 8, 9,000 steps at 1.5e-4;
#   9. with 600 more (seeds 6, 7), 8,000 steps at 1e-4;
#  10. with 600 more (seeds 8, 9), 8,000 steps at 1e-4;
#  11. with 600 more (seeds 10, 11), set in 21 training font families, 8,000 steps at 1e-4 (the
#      sessions ran stages 8-12 with --eval-steps 500);
#  12. real pages: half line pieces of real documents' pages (`literate data real-pages
#      --split train --max-docs 135`: Debian documentation PDFs and groff man pages, each
#      clean and through the scan simulator, levelled as the engine levels them) and of 300
#      new rendered pages (seed 12), half lines as before, 3,000 steps at 1e-4; installed
#      because it beat stage 11 on the real-page validation split (docs/reader-training.md);
#  13. (STAGE13=1; tried, not installed) the same over every train document and 300 new
#      rendered pages (seed 13), 2,000 steps: it tied stage 12 on validation;
#  14. stage 12's documents again (other pages), scans weighted to blur and binarisation,
#      150 new rendered pages (seed 14), 3,000 steps at 1e-4; installed because it beat
#      stage 12 on the real-page validation split (docs/reader-training.md, Stage 14).
# Every stage resumes from its last checkpoint, so the script can be stopped and run again;
# a finished stage is skipped. Do not run it while the test suite runs (they share the cores).
#   bash scripts/train-bundled-reader.sh [RUNS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs/reader-small}
LIT=${LITERATE:-.venv/bin/literate}
COMMON=(--threads "${THREADS:-2}" --task ocr --glyph-loss 1 --guided-attention 1
        --visual-lr-scale 1 --warmup-steps 100 --eval-steps 250 --save-steps 250)

stage() {  # name base level text patches batch lr steps samples [extra options]
  local out="$RUNS/$1"
  if [ -f "$out/train_summary.json" ] && grep -q "\"global_step\": $8," "$out/train_summary.json"; then
    echo "stage $1: done"; return
  fi
  echo "stage $1: $3 level ($4), $5 patches, batch $6, lr $7, $8 steps"
  "$LIT" train reader --out "$out" --base "$2" --level "$3" --text "$4" --max-patches "$5" \
    --batch-size "$6" --lr "$7" --max-steps "$8" --train-samples "$9" "${COMMON[@]}" \
    --resume "${@:10}"
}

# the `readmes` corpus of stages 3-7 and of the rendered pages: without these wheels it holds
# only the installed packages' READMEs (≈ 36 instead of ≈ 285 documents), other data
"$LIT" data fetch-readmes
stage 1-words scratch:small  word random      32  16 1e-3 "${WORD_STEPS:-7000}" 120000 --init positional
stage 2-lines "$RUNS/1-words" line shakespeare 128 16 5e-4 "${LINE_STEPS:-5000}" 100000
stage 3-mixed "$RUNS/2-lines" line shakespeare+readmes+random 128 16 3e-4 "${MIX_STEPS:-2500}" 60000
# the pages stage 4 cuts (resumable; the session that trained the bundled reader stopped the
# second set at 214 pages)
"$LIT" data render --out "$RUNS/pages/s0" --n 300 --seed 0 --split train
"$LIT" data render --out "$RUNS/pages/s1" --n 214 --seed 1 --split train
stage 4-pieces "$RUNS/3-mixed" piece shakespeare+readmes+random 128 16 3e-4 "${PIECE_STEPS:-4000}" 64000 \
  --pages "$RUNS/pages"
stage 5-pieces "$RUNS/4-pieces" piece shakespeare+readmes+random 128 16 2e-4 "${PIECE2_STEPS:-3000}" 112000 \
  --pages "$RUNS/pages"
"$LIT" data render --out "$RUNS/pages/s2" --n 300 --seed 2 --split train  # (after stage 5)
stage 6-pieces "$RUNS/5-pieces" piece shakespeare+readmes+random 128 16 1.5e-4 "${PIECE3_STEPS:-4000}" 192000 \
  --pages "$RUNS/pages"
"$LIT" data render --out "$RUNS/pages/s3" --n 300 --seed 3 --split train  # (after stage 6)
stage 7-pieces "$RUNS/6-pieces" piece shakespeare+readmes+random 128 16 1.5e-4 "${PIECE4_STEPS:-3000}" 240000 \
  --pages "$RUNS/pages"
# (after stage 7; the sessions that trained the bundled reader set stages 1-7 and pages s0-s3 in
# the 8 training font families of the time, pages s4-s9 in 16 and s10-s11 in 21; a rerun uses
# the 21 of the data engine today throughout, where their Debian packages are installed. Stages
# 4-11 cut their pieces with the page cut of their day; stage 11 ran before the cut learned
# hairline rules and ruled tables, which a rerun's cut uses)
"$LIT" data render --out "$RUNS/pages/s4" --n 300 --seed 4 --split train
"$LIT" data render --out "$RUNS/pages/s5" --n 300 --seed 5 --split train
stage 8-pieces "$RUNS/7-pieces" piece shakespeare+readmes+random 128 16 1.5e-4 "${PIECE5_STEPS:-9000}" 360000 \
  --pages "$RUNS/pages"
"$LIT" data render --out "$RUNS/pages/s6" --n 300 --seed 6 --split train  # (after stage 8)
"$LIT" data render --out "$RUNS/pages/s7" --n 300 --seed 7 --split train
stage 9-pieces "$RUNS/8-pieces" piece shakespeare+readmes+random 128 16 1e-4 "${PIECE6_STEPS:-8000}" 480000 \
  --pages "$RUNS/pages"
"$LIT" data render --out "$RUNS/pages/s8" --n 300 --seed 8 --split train  # (after stage 9)
"$LIT" data render --out "$RUNS/pages/s9" --n 300 --seed 9 --split train
stage 10-pieces "$RUNS/9-pieces" piece shakespeare+readmes+random 128 16 1e-4 "${PIECE7_STEPS:-8000}" 600000 \
  --pages "$RUNS/pages"
"$LIT" data render --out "$RUNS/pages/s10" --n 300 --seed 10 --split train  # (after stage 10)
"$LIT" data render --out "$RUNS/pages/s11" --n 300 --seed 11 --split train
stage 11-pieces "$RUNS/10-pieces" piece shakespeare+readmes+random 128 16 1e-4 "${PIECE8_STEPS:-8000}" 720000 \
  --pages "$RUNS/pages"

# Stage 12: real pages of the train split, never of the validation or test documents.
# (Stage 12 ran with the shared page draw of before 2026-12-02; with today's per-document
# draw the same command takes other train documents and pages: see docs/data.md.)
"$LIT" data real-pages --split train --max-docs 135 --out "$RUNS/pages12/real"
"$LIT" data render --out "$RUNS/pages12/s12" --n 300 --seed 12 --split train
stage 12-real "$RUNS/11-pieces" piece shakespeare+readmes+random 128 16 1e-4 \
  "${REAL_STEPS:-3000}" 300000 --pages "$RUNS/pages12"

# Stage 13 (tried, not installed; run with STAGE13=1): every train document (300 with usable
# pages here, 836 pages, per-document draw, each clean and as a scan) and 300 new rendered
# pages (seed 13), again half pieces and half lines, 2,000 steps at 1e-4 from stage 12. It
# tied stage 12 on the real-page validation split (docs/reader-training.md, Stage 13), so
# stage 12 stays the bundled reader.
if [ "${STAGE13:-0}" = 1 ]; then
  "$LIT" data real-pages --split train --out "$RUNS/pages13/real"
  "$LIT" data render --out "$RUNS/pages13/s13" --n 300 --seed 13 --split train
  stage 13-real "${STAGE12:-$RUNS/12-real}" piece shakespeare+readmes+random 128 16 1e-4 \
    "${REAL2_STEPS:-2000}" 300000 --pages "$RUNS/pages13"
fi

# Stage 14 (installed): stage 12's 135 train documents drawn again (other pages),
# their scans weighted toward what reads worst on validation (blur 0.4-1.4 px instead of
# 0-1.2, a third binarised instead of 0.15) and, as every stage since flattening, with the
# paper flattened before the cut; 150 new rendered pages (seed 14); 3,000 steps at 1e-4
# from stage 12. See docs/reader-training.md, Stage 14.
"$LIT" data real-pages --split train --max-docs 135 --blur 0.4 1.4 --binarise 0.35 \
  --out "$RUNS/pages14/real"
"$LIT" data render --out "$RUNS/pages14/s14" --n 150 --seed 14 --split train
stage 14-scans "${STAGE12:-$RUNS/12-real}" piece shakespeare+readmes+random 128 16 1e-4 \
  "${SCAN_STEPS:-3000}" 300000 --pages "$RUNS/pages14"

DEST=checkpoints/reader-small
mkdir -p "$DEST"
for f in config.json generation_config.json model.safetensors processor_config.json \
         tokenizer.json tokenizer_config.json train_summary.json; do
  cp "$RUNS/14-scans/$f" "$DEST/"
done
for s in 1-words 2-lines 3-mixed 4-pieces 5-pieces 6-pieces 7-pieces 8-pieces 9-pieces \
         10-pieces 11-pieces 12-real; do  # the record of every stage
  cp "$RUNS/$s/train_summary.json" "$DEST/train_summary_$s.json"
done
cat > "$DEST/literate_reader.json" <<JSON
{"tiling": "lines", "piece_width": 14.0, "max_patches": 128, "batch_size": 16,
 "max_new_tokens": 128, "num_beams": 3}
JSON
echo "bundled reader in $DEST"
