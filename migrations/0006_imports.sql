-- What each import did, kept for the administrator: one row per run of `readroom import` (or
-- of the demo bank's import on first start) and one per refusal, with its reason. Same dialect
-- rules as 0001 (TEXT and BIGINT only).

-- An import run. `status` is 'running' from its start, then 'finished' (with its counts) or
-- 'failed' (with `error`); the counts stay NULL until it finishes, since an import that fails
-- part way does not know them.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL,
    -- What was imported, in a line: the paths given (the first few), a truth manifest.
    sources TEXT NOT NULL,
    studies BIGINT,
    series BIGINT,
    images BIGINT,
    cases BIGINT,
    unchanged_studies BIGINT,
    bytes_read BIGINT,
    error TEXT
);
CREATE INDEX imports_by_start ON imports (started_at);

-- A file (or a truth manifest's entry) a finished run did not import, in the run's order. The
-- path is the one the importer was given, never a source identifier.
CREATE TABLE import_refusals (
    import_id TEXT NOT NULL REFERENCES imports (id),
    position BIGINT NOT NULL,
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);
