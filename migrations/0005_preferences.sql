-- Each user's own preferences, kept on the server so that they follow the user from browser to
-- browser: for now the viewer's shortcuts and mouse buttons. One JSON document per user, read
-- and written whole; a user without a row has the defaults. Same dialect rules as 0001.
CREATE TABLE user_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    preferences TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
