"""Charts of progress over time, drawn server-side from okrsync's value history.

- `series`: the data, as pure functions over the workspace and the recorded check-ins
  (`okrsync.history` / the state store): per key result its score after every recorded
  value, per objective the weighted mean of its key results' scores, per cycle the mean of
  its objectives, each with the linear expected-pace line of the cycle;
- `labels`: every word a chart shows, in one place (the i18n work translates it there);
- `draw`: matplotlib (object API, Agg; never pyplot) to PNG for Notion and Confluence and
  inline SVG for review.html, with deterministic bytes: the same data give the same file.
"""
