"""PeriodicLoRA (Meng et al., 2024): train LoRA in stages, unloading each stage's update into
the base weights, so the total update exceeds rank r at LoRA's memory cost."""

from literate.plora.callback import PeriodicLoRA, PeriodicLoRACallback
from literate.plora.config import PeriodicLoRAConfig
from literate.plora.unload import unload_lora

__all__ = ["PeriodicLoRA", "PeriodicLoRACallback", "PeriodicLoRAConfig", "unload_lora"]
