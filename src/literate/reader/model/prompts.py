"""The task prompts of Kosmos-2.5: the engine reads with them and training teaches them."""

PROMPTS = {"ocr": "<ocr>", "md": "<md>"}
