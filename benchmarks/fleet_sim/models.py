"""The simulated hardware: a model table and a fleet of three backends.

Figures are rounded from public Ollama library sizes (Q4 quantisations) and typical
generation speeds of one 16-24 GB consumer GPU. They are assumptions of the benchmark, printed
with every run, not measurements:

- memory a resident model takes = file size x `KV_OVERHEAD` (weights plus KV cache for the
  `NUM_PARALLEL` slots);
- cold load time = `LOAD_BASE_S` + `LOAD_S_PER_GB` x file size (disk read + GPU upload);
- answer time = prompt tokens / (20 x tokens/s) + output tokens x verbosity / tokens/s, or a
  fixed time per picture for the image-generation model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOAD_BASE_S = 1.5
LOAD_S_PER_GB = 0.6
KV_OVERHEAD = 1.15
PROMPT_SPEEDUP = 20.0  # prompt evaluation runs this many times faster than generation
NUM_PARALLEL = 2  # OLLAMA_NUM_PARALLEL: slots per loaded model
DEFAULT_MODEL = "qwen2.5:7b"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    family: str
    parameter_size: str  # as /api/tags reports it, e.g. "7.6B"
    size_gb: float  # file size
    capabilities: tuple[str, ...]
    context_length: int
    tokens_per_s: float  # generation speed, one request alone on the GPU
    verbosity: float = 1.0  # output length relative to a plain chat model (thinking models)
    image_s: float = 0.0  # image generation: seconds per picture instead of tokens

    @property
    def memory_gb(self) -> float:
        return round(self.size_gb * KV_OVERHEAD, 2)

    @property
    def load_s(self) -> float:
        return round(LOAD_BASE_S + LOAD_S_PER_GB * self.size_gb, 2)

    def service_s(self, prompt_tokens: int, output_tokens: int) -> float:
        """Seconds to answer one request alone on the GPU (before contention)."""
        prompt = prompt_tokens / (PROMPT_SPEEDUP * self.tokens_per_s)
        if self.image_s:
            return prompt + self.image_s
        return prompt + output_tokens * self.verbosity / self.tokens_per_s

    def tag(self) -> dict[str, Any]:
        """This model as one /api/tags entry (what discovery feeds the catalogue)."""
        details = {
            "family": self.family,
            "parameter_size": self.parameter_size,
            "quantization_level": "Q4_K_M",
            "context_length": self.context_length,
        }
        return {
            "name": self.name,
            "model": self.name,
            "size": int(self.size_gb * 1e9),
            "details": details,
            "capabilities": list(self.capabilities),
        }


MODELS: Mapping[str, ModelSpec] = {
    m.name: m
    for m in (
        ModelSpec("qwen2.5:7b", "qwen2", "7.6B", 4.7, ("completion", "tools"), 32768, 60),
        ModelSpec("qwen2.5-coder:7b", "qwen2", "7.6B", 4.7, ("completion", "tools", "insert"),
                  32768, 60),
        ModelSpec("deepseek-r1:latest", "qwen3", "8.2B", 5.2, ("completion", "thinking"),
                  131072, 52, verbosity=2.5),
        ModelSpec("llava:latest", "llama", "7B", 4.7, ("completion", "vision"), 32768, 55),
        ModelSpec("nemotron-3-nano:latest", "nemotron_h", "4.0B", 2.5, ("completion", "tools"),
                  131072, 100),
        ModelSpec("mistral:latest", "llama", "7.2B", 4.1, ("completion", "tools"), 32768, 65),
        ModelSpec("llama2-uncensored:latest", "llama", "7B", 3.8, ("completion",), 2048, 70),
        ModelSpec("llama3.2:3b", "llama", "3.2B", 2.0, ("completion", "tools"), 131072, 110),
        ModelSpec("qwen2.5:32b", "qwen2", "32.8B", 19.9, ("completion", "tools"), 32768, 16),
        ModelSpec("x/z-image-turbo:latest", "z-image", "6.2B", 12.0, ("image",), 4096, 60,
                  image_s=6.0),
    )
}  # fmt: skip

_GENERAL = ("qwen2.5:7b", "nemotron-3-nano:latest", "llama3.2:3b")


@dataclass(frozen=True, slots=True)
class BackendSpec:
    name: str
    memory_gb: float
    models: tuple[str, ...]  # installed
    num_parallel: int = NUM_PARALLEL


# Every backend has the small general models; code, vision, reasoning, uncensored and the two
# big models are spread so that each specialist lives on two backends (the big ones on one).
DEFAULT_FLEET: tuple[BackendSpec, ...] = (
    BackendSpec(
        "http://gpu-a:11434",
        16.0,
        (*_GENERAL, "mistral:latest", "qwen2.5-coder:7b", "deepseek-r1:latest",
         "llama2-uncensored:latest"),
    ),
    BackendSpec(
        "http://gpu-b:11434",
        16.0,
        (*_GENERAL, "mistral:latest", "qwen2.5-coder:7b", "llava:latest",
         "llama2-uncensored:latest"),
    ),
    BackendSpec(
        "http://gpu-c:11434",
        24.0,
        (*_GENERAL, "llava:latest", "deepseek-r1:latest", "qwen2.5:32b",
         "x/z-image-turbo:latest"),
    ),
)  # fmt: skip


def fleet_tags(fleet: tuple[BackendSpec, ...]) -> list[dict[str, Any]]:
    """The /api/tags entries of every backend, as discovery would collect them."""
    return [MODELS[name].tag() for backend in fleet for name in backend.models]
