"""Running pathways: creation, start and cancel, engine steps (`runs`), message delivery,
timers, incidents and their repair, migration between versions, the background worker."""
