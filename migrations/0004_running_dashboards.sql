-- What the dashboards and a submission need, kept as running data so that neither reads whole
-- histories: a trainee's last outcomes and misses by sector in their figures row, and each
-- programme's feedback waits as a histogram. Same dialect rules as 0001 (TEXT and BIGINT only).
-- The new derived columns and table are filled by the store when it opens after this migration
-- (`DERIVED_VERSION` in backend/store/src/lib.rs): computing them needs string aggregation and
-- logarithms, which SQLite and PostgreSQL spell differently.

-- The outcomes of the trainee's last 50 first reads, newest first, '1' right and '0' wrong: a
-- submission moves the rolling windows along without reading the attempts back.
ALTER TABLE trainee_figures ADD COLUMN recent_outcomes TEXT NOT NULL DEFAULT '';

-- The trainee's misses by sector as `sector:misses` pairs, comma-separated, by sector name
-- (`mid-left-PZpl:3,US:1`). A cohort's or programme's misses are the sum over the figures rows
-- its dashboard reads anyway; they replace `trainee_missed_sectors`, whose 38,000 rows for
-- 1,000 trainees cost the dashboard 45–64 ms to sum.
ALTER TABLE trainee_figures ADD COLUMN missed_sectors TEXT NOT NULL DEFAULT '';
DROP TABLE trainee_missed_sectors;

-- When the attempt got its first feedback. Set once, in the transaction that posts it: the
-- update that sets it tells that transaction it posts the first feedback, even when two
-- experts post at once. Not derived from scores: filled here from the messages.
ALTER TABLE attempts ADD COLUMN first_feedback_at BIGINT;
UPDATE attempts SET first_feedback_at = (
    SELECT MIN(m.created_at) FROM messages m
    WHERE m.attempt_id = attempts.id AND m.kind = 'feedback'
) WHERE id IN (SELECT attempt_id FROM messages WHERE kind = 'feedback');

-- Each programme's waits from submission to first feedback, counted in log-spaced buckets
-- (`readroom_scoring::wait_bucket`: eight to a doubling, from one second): the dashboard's
-- median and 90th percentile come from at most a few hundred rows, to within 4.5%, instead of
-- from every feedback message ever posted (420 ms for 25,000 on PostgreSQL).
CREATE TABLE feedback_waits (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    bucket BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (programme_id, bucket)
);
