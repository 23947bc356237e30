"""Pathway insight for the learning network: are the norms met, where do residents wait, which
routes do they take (issue 22; docs/insight.md).

- `norms`: the one declarative table of the time norms (../shared/domain.md) and the diagram
  events that start and stop each norm's clock;
- `rollup`: the worker's incremental refresh of the `insight_*` facts from the history, behind a
  watermark (never a full scan per request);
- `compliance`, `durations`, `routes`, `learning`: the figures, from the facts;
- `access`: who sees which figures (to be folded into the access policy), small-cell suppression;
- `views`: the use cases the API and the web pages call (scope, figures, the aggregate-read
  audit line);
- `diagram`: a version's BPMN read for the overlay (elements, lanes, outgoing flows).
"""
