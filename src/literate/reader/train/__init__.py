"""Fine-tuning and training a reader: the trainer, page and snippet datasets, the collator
and the OCR targets; ``aids/`` holds what training from scratch needs on top."""
