"""The reader's model: Kosmos-2.5 configs by size, the tiny builder, the character
tokenizer and the task prompts."""
