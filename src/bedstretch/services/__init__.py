"""The use cases, each written once: every door (CLI, terminal player, JSON API, pages) calls them.

A service takes plain values: the catalog, the person's journal (``Journal``, already scoped to
them), and ``now`` (an aware datetime in the person's time zone; the caller passes it, so a test
can fix it). It returns plain values and raises only our own errors (``bedstretch.core.errors``).
It knows nothing of click or FastAPI, prints nothing and reads no files but the journal.

| module | use cases |
|---|---|
| ``planning`` | constraints, the journal's lessons for plans, a plan, a session's routine |
| ``screening`` | record a screening, the gate, a clinician's clearance, the questions |
| ``sessions`` | begin, the snapshot, apply an event (the one way a session changes), finish |
| ``checkins`` | record a check-in, whether the weekly PEG is due |
| ``progress`` | is it helping, the last pain rating, today's suggestion |
| ``exchange`` | export (json, csv, fhir), import |
| ``exercises`` | exercises left out after trouble, and restoring one |
| ``reminders`` | a calendar file |
| ``accounts`` | sign up, sign in (rate-limited), tokens, delete an account |
"""
