"""Benchmarks: the real bot over HTTP against the in-repo fake Slack (run each as ``python -m bench.<name>``)."""
