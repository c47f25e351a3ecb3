"""A whole archive: match documents across editions, align and score every pair, write the corpus.

sources (what the batch is given) -> matching (which translation is which original's) ->
worker (the jobs, on one encoder per process) -> engines (local, or Ray) -> batch (the run:
resumable, its files).
"""
