"""Model adapters: ``kind:model`` names resolved by ``evals.adapters.base.create_adapter``."""

from evals.adapters.base import ADAPTER_MODULES, Adapter, Capabilities, adapter_class, create_adapter

__all__ = ["ADAPTER_MODULES", "Adapter", "Capabilities", "adapter_class", "create_adapter"]
