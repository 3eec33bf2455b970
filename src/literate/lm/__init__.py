"""Small Llama-family language models: presets, training through ``transformers.Trainer``,
perplexity."""

from literate.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "PRESETS": "literate.lm.config",
        "llama_config": "literate.lm.config",
        "LMTrainConfig": "literate.lm.train_config",
        "load_model": "literate.lm.train",
        "train_lm": "literate.lm.train",
    },
)
