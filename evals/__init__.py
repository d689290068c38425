"""omnieval: evaluate open multimodal models on public VQA, captioning and audio benchmarks."""

__version__ = "0.1.0"
