"""Use cases, grouped by capability: each public function is one transaction with its permission
checks. Callers (API, web, CLI, worker) pass an `Actor`; services raise `ServiceError`s
(`errors`) that the HTTP layers turn into problem+json or readable pages.

- `access/`: who the actor is (identity, tokens, sessions, the directory of users and groups)
  and what they may do;
- `definitions/`: deployed pathway versions, their files and the checks a deployment passes;
- `instances/`: running pathways: start, step (`runs`), messages, timers, incidents, migration,
  the background worker;
- `tasks/`: the inbox, a task's page and the actions on it;
- `cases/`: the resident's case and its case file;
- `audit/`: the NEN 7513 log (recording, hash chain, auditor queries, exports, retention);
- `insight/`: pathway figures for the learning network (norms, durations, routes), rolled up
  from the history by the worker.

`errors` and `unit_of_work` are shared by all. No capability imports one that imports it
back (tests/foundation/test_code_layout.py).
"""
