-- The training loop: programmes, cohorts, case sets and their assignments; attempts with their
-- reports and scores; feedback threads; expert reference reads; the figures kept per trainee;
-- the audit log; sign-in throttling. Same dialect rules as 0001 (TEXT and BIGINT only).

-- A training programme. `settings` (JSON) holds its scoring thresholds, re-read intervals and
-- CUSUM rates; missing keys take the brief's defaults.
CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Who takes part in a programme, and as what: 'lead', 'expert' or 'trainee'.
CREATE TABLE programme_members (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (programme_id, user_id, role)
);
CREATE INDEX programme_members_by_user ON programme_members (user_id);

-- A group of a programme's trainees who are given the same case sets.
CREATE TABLE cohorts (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cohorts_by_programme ON cohorts (programme_id);

CREATE TABLE cohort_members (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_by_user ON cohort_members (user_id);

-- An ordered list of cases from the bank.
CREATE TABLE case_sets (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE case_set_cases (
    case_set_id TEXT NOT NULL REFERENCES case_sets (id),
    position BIGINT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (case_set_id, position),
    UNIQUE (case_set_id, case_id)
);
CREATE INDEX case_set_cases_by_case ON case_set_cases (case_id);

-- A case set given to a cohort, readable from `opens_at` and due at `due_at`.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    case_set_id TEXT NOT NULL REFERENCES case_sets (id),
    cohort_id TEXT NOT NULL REFERENCES cohorts (id),
    opens_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assignments_by_cohort ON assignments (cohort_id);

-- One reading of a case by a trainee. `reread_number` is 0 for the first read and 1, 2, … for
-- the blinded re-reads of a case read wrongly. `report` (JSON) is the draft until
-- `submitted_at` is set, and never changes after. `score` (JSON) and the columns beside it are
-- derived from the report and the truth, and can be recomputed at any time.
CREATE TABLE attempts (
    id TEXT PRIMARY KEY,
    trainee_id TEXT NOT NULL REFERENCES users (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    reread_number BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    submitted_at BIGINT,
    report TEXT NOT NULL,
    score TEXT,
    correct BIGINT,
    case_positive BIGINT,
    overall_category BIGINT,
    UNIQUE (trainee_id, case_id, reread_number)
);
-- The rolling figures read a trainee's last 50 first reads: this index makes that a range scan
-- of 50 rows whatever the length of the history.
CREATE INDEX attempts_by_trainee ON attempts (trainee_id, reread_number, submitted_at);
CREATE INDEX attempts_by_programme ON attempts (programme_id, submitted_at);
CREATE INDEX attempts_by_case ON attempts (case_id);

-- The thread on an attempt: expert feedback (with marks pinned to image positions, JSON),
-- trainee questions and expert answers.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    marks TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_by_attempt ON messages (attempt_id, created_at);

-- How far each user has read each thread: what is newer and not theirs is unread.
CREATE TABLE thread_reads (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, user_id)
);

-- An expert's own report on a case, that trainees are compared with after they submit.
CREATE TABLE reference_reads (
    case_id TEXT NOT NULL REFERENCES cases (id),
    expert_id TEXT NOT NULL REFERENCES users (id),
    report TEXT NOT NULL,
    overall_category BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, expert_id)
);

-- Running totals over each trainee's scored first reads, updated in the transaction that
-- stores a submission, so that a cohort's dashboard reads one row per trainee. Derived: the
-- rescore command rebuilds them from the attempts.
CREATE TABLE trainee_figures (
    trainee_id TEXT PRIMARY KEY REFERENCES users (id),
    first_reads BIGINT NOT NULL,
    correct BIGINT NOT NULL,
    rolling20_correct BIGINT NOT NULL,
    rolling20_n BIGINT NOT NULL,
    rolling50_correct BIGINT NOT NULL,
    rolling50_n BIGINT NOT NULL,
    -- How many positive (and negative) cases were read at each overall category, 1 to 5:
    -- sensitivity and specificity at any threshold, and the AUROC, follow exactly from these.
    positive_category1 BIGINT NOT NULL,
    positive_category2 BIGINT NOT NULL,
    positive_category3 BIGINT NOT NULL,
    positive_category4 BIGINT NOT NULL,
    positive_category5 BIGINT NOT NULL,
    negative_category1 BIGINT NOT NULL,
    negative_category2 BIGINT NOT NULL,
    negative_category3 BIGINT NOT NULL,
    negative_category4 BIGINT NOT NULL,
    negative_category5 BIGINT NOT NULL,
    targets BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    false_positives BIGINT NOT NULL,
    reading_ms BIGINT NOT NULL,
    last_activity BIGINT NOT NULL
);

-- How often each trainee's first reads missed a clinically significant lesion in each sector
-- (a missed lesion counts once in every sector it lies in): where misses cluster, per trainee
-- and summed over a cohort. Derived like `trainee_figures`.
CREATE TABLE trainee_missed_sectors (
    trainee_id TEXT NOT NULL REFERENCES users (id),
    sector TEXT NOT NULL,
    misses BIGINT NOT NULL,
    PRIMARY KEY (trainee_id, sector)
);

-- Who did what and when: sign-ins (success and failure), submissions, feedback, role changes,
-- exports. Append only.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- Failed sign-ins, per account (`account:NAME`) and per address (`address:IP`), for throttling
-- that holds across several servers.
CREATE TABLE sign_in_failures (
    throttle_key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (throttle_key, at);

-- The token a page sends back in a header on every state-changing request (CSRF).
ALTER TABLE sessions ADD COLUMN csrf_token TEXT NOT NULL DEFAULT '';
