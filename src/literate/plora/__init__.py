"""PeriodicLoRA (Meng et al., 2024): train LoRA in stages, unloading each stage's update into
the base weights, so the total update exceeds rank r at LoRA's memory cost."""

from literate.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "PeriodicLoRA": "literate.plora.callback",
        "PeriodicLoRACallback": "literate.plora.callback",
        "PeriodicLoRAConfig": "literate.plora.config",
        "AdapterOptions": "literate.plora.config",
        "unload_lora": "literate.plora.unload",
    },
)
