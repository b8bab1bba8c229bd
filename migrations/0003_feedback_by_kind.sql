-- A dashboard's feedback turnaround joins the programme's submitted attempts with their feedback
-- messages. Without this index SQLite's planner walks every attempt of the programme and looks
-- for feedback on each: 14 s per dashboard with 500,000 attempts (the training benchmark in
-- BENCHMARKS.md). With it, it walks the feedback messages and looks up each one's attempt, which
-- costs in proportion to the feedback given instead. Same dialect rules as 0001.
CREATE INDEX messages_by_kind ON messages (kind, attempt_id, created_at);
