"""IntelliProxy: an intelligent, Ollama-compatible routing proxy."""

__version__ = "0.1.0"

VIRTUAL_MODEL = "IntelliProxyLLM"
