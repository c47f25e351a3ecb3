"""Measurements of the workbench: alignment quality, fidelity detection, speed. Run as `python -m benchmarks.NAME`."""
