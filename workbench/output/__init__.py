"""From scores to files: alignment exports (export), report data (report) and its renderers
(html, markdown), report files (report_files), with the text (text), colours (style) and
atomic writes (files) they share."""
