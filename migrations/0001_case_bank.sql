-- The case bank and accounts.
-- One dialect for SQLite and PostgreSQL: TEXT and BIGINT only (booleans are 0/1, times are
-- Unix milliseconds, structured values are JSON text), so both backends behave the same.

-- Per-installation values, such as the secret that keys UID replacement.
CREATE TABLE installation (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- An anonymised study. `uid` is the replacement Study Instance UID, never the source one.
CREATE TABLE studies (
    uid TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

-- A series and its prepared, viewer-ready form (`prepared`, JSON: geometry, pixel format,
-- window presets, frame index into the voxel object).
CREATE TABLE series (
    uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL REFERENCES studies (uid),
    number BIGINT,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    prepared TEXT NOT NULL
);
CREATE INDEX series_by_study ON series (study_uid);

-- Each stored anonymised DICOM instance: a byte range of its series' pack of Part 10 files
-- (one object per series rather than per image: the filesystem's per-file cost dominates).
CREATE TABLE instances (
    uid TEXT PRIMARY KEY,
    series_uid TEXT NOT NULL REFERENCES series (uid),
    object_key TEXT NOT NULL,
    offset_bytes BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
CREATE INDEX instances_by_series ON instances (series_uid);

-- A study becomes a case when its histology truth is attached.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL UNIQUE REFERENCES studies (uid),
    title TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    significant_from_isup BIGINT NOT NULL,
    clinical TEXT NOT NULL,
    truth TEXT NOT NULL,
    teaching_notes TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Sessions live in the database so that several servers can share them. Only a hash of the
-- token is stored: a copy of the database does not log anyone in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
