"""Small Llama-family language models: presets, training through ``transformers.Trainer``,
perplexity."""

from literate.lm.config import PRESETS, llama_config
from literate.lm.train import LMTrainConfig, load_model, train_lm

__all__ = ["PRESETS", "LMTrainConfig", "llama_config", "load_model", "train_lm"]
