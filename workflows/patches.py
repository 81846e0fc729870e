"""The ids of PathwayWorkflow's ``workflow.patched`` calls: what each one changed, for runs
started after it. A running case replays what its history says it did; the recorded
histories (tests/workflows/histories/) hold each of these paths to it."""

from __future__ import annotations

# Runs started with this patch upsert a command's search attributes with its projection, in
# the next workflow task, not in the command's own: on the embedded server the upsert was
# ~0.2-0.3x of a bare update added to every answer (bench/RESULTS.md). Older runs keep
# upserting in the command's task, as their histories say they did.
SEARCH_ATTRIBUTES_WITH_PROJECTION = "search-attributes-with-projection"
# Runs started with this patch keep their waiting timer while the next alarm stays where it
# was (``workflows/alarm.py``): a fact, a visit or a move that leaves it cancelled the timer in
# the task that answers and armed the same one in the next (bench/RESULTS.md, section 1).
KEEP_ALARM = "keep-alarm"
# Runs that keep a structured plan (issue 14): its actions' and its review's clocks ring in
# ``fire_due``, and partners given an action are told. Marked when a plan is first recorded.
PLAN_CLOCKS = "plan-clocks"
# Runs that take booked visits (appointments): the book/cancel updates, the reminder the day
# before and the missed-appointment reminder. Histories written before it never booked one.
APPOINTMENTS = "appointments"
# Runs started with this patch project a batch no command waits on (the opening, what a clock
# rang) in the workflow task that made its events, as a local activity (one attempt; if it
# fails, the durable activity takes the batch as before): no activity task and no second
# workflow task per batch (bench/RESULTS.md, "The projection in the task"); and take the
# search attributes the start set as set. It also stands for every patch above: a new run
# marks this one only, in its first task (each marker is a history event and a visibility
# upsert).
PROJECTION_IN_TASK = "projection-in-task"
