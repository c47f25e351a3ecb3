"""From the user's files to segments: decode and split a bitext (document), cut it into
sentences (segment), with the scripts every later check reads (scripts)."""
