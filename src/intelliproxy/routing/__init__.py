"""The routing decision: classify the prompt, know the models, plan the attempts.

Everything here is pure (no I/O) so the server, the CLI and the fleet benchmark share it.
"""
