//! Users, roles, passwords, sessions (with the token that guards them against cross-site
//! requests) and sign-in throttling.

use std::collections::HashMap;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use readroom_domain::{Role, User};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::cases::conflict_if_taken;
use crate::{Result, Store, StoreError, now_millis};

/// How long a session lasts without signing in again.
const SESSION_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;

/// The longest username [`validate`] accepts; longer attempted names are cut to this in
/// throttling keys, so that a caller cannot fill the table with huge keys.
const MAX_USERNAME_LEN: usize = 64;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

/// A user as an administrator manages them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserAccount {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
}

/// The secret a browser holds in its session cookie. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl SessionToken {
    fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// A session just started: the secret for the cookie, and the CSRF token its pages must send
/// back in a header with every state-changing request.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: SessionToken,
    pub csrf_token: String,
}

/// A live session of an enabled account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    /// Empty for sessions started before CSRF tokens existed: such a session may read but not
    /// change anything, and signing in again gives it a token.
    pub csrf_token: String,
}

/// What a username and password amount to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordCheck {
    Accepted(User),
    /// The password is right but the account is disabled. Only a caller who knows the password
    /// learns this, so wrong guesses reveal nothing about which accounts exist.
    Disabled(User),
    /// No such user, or the wrong password: the two are not told apart.
    Refused,
}

/// How many failed sign-ins are allowed before further tries are refused for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures for one username within the window.
    pub per_account: i64,
    /// Failures from one address within the window, whatever the usernames tried.
    pub per_address: i64,
    pub window_ms: i64,
}

impl Default for SignInLimits {
    fn default() -> SignInLimits {
        SignInLimits {
            per_account: 5,
            per_address: 20,
            window_ms: 15 * 60 * 1000,
        }
    }
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn validate(user: &NewUser) -> Result<()> {
    let username_ok = (2..=MAX_USERNAME_LEN).contains(&user.username.len())
        && user
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !username_ok {
        return Err(StoreError::Invalid(
            "username: 2 to 64 letters, digits, '.', '_', '-' or '@'".into(),
        ));
    }
    validate_password("password", &user.password)?;
    validate_roles(&user.roles)?;
    if user.display_name.trim().is_empty() || user.display_name.len() > 200 {
        return Err(StoreError::Invalid(
            "display name: 1 to 200 characters".into(),
        ));
    }
    Ok(())
}

/// `field` names the password in the error: a new user's `password`, or a `new_password`.
fn validate_password(field: &str, password: &str) -> Result<()> {
    // The upper bound keeps one request from costing a long hash.
    if password.chars().count() < 8 || password.len() > 1024 {
        return Err(StoreError::Invalid(format!(
            "{field}: at least 8 characters"
        )));
    }
    Ok(())
}

fn validate_roles(roles: &[Role]) -> Result<()> {
    if roles.is_empty() {
        return Err(StoreError::Invalid("roles: at least one role".into()));
    }
    Ok(())
}

fn hash_password(field: &str, password: &str) -> Result<String> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|err| StoreError::Invalid(format!("{field}: {err}")))?
        .to_string())
}

fn password_matches(hash: &str, password: &str) -> Result<bool> {
    let parsed = PasswordHash::new(hash)
        .map_err(|err| StoreError::Corrupt(format!("password hash: {err}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

fn sorted_roles(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
}

fn parse_role(role: &str) -> Result<Role> {
    role.parse()
        .map_err(|err| StoreError::Corrupt(format!("{err}")))
}

fn account_key(username: &str) -> String {
    let username: String = username.chars().take(MAX_USERNAME_LEN).collect();
    format!("account:{username}")
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

impl Store {
    /// Creates a user with a hashed (argon2id) password. A taken username is a conflict.
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        validate(new)?;
        let hash = hash_password("password", &new.password)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(&id)
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(&hash)
        .bind(now_millis())
        .execute(&mut *tx)
        .await
        .map_err(|err| {
            conflict_if_taken(err, || {
                format!("username `{}` is already taken", new.username)
            })
        })?;
        let roles = sorted_roles(&new.roles);
        for role in &roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(&id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(User {
            id,
            username: new.username.clone(),
            display_name: new.display_name.clone(),
            roles,
        })
    }

    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Checks a username and password. Takes as long for a name that does not exist as for
    /// one that does, so timing does not reveal usernames either.
    pub async fn check_password(&self, username: &str, password: &str) -> Result<PasswordCheck> {
        let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            let _ = Argon2::default().hash_password(password.as_bytes());
            return Ok(PasswordCheck::Refused);
        };
        let hash: String = row.try_get("password_hash")?;
        if !password_matches(&hash, password)? {
            return Ok(PasswordCheck::Refused);
        }
        let id: String = row.try_get("id")?;
        let disabled: i64 = row.try_get("disabled")?;
        let Some(user) = self.user(&id).await? else {
            // Deleted between the two reads: as good as never there.
            return Ok(PasswordCheck::Refused);
        };
        Ok(if disabled != 0 {
            PasswordCheck::Disabled(user)
        } else {
            PasswordCheck::Accepted(user)
        })
    }

    /// A user's preferences as stored (JSON), or `None` while they have the defaults.
    pub async fn preferences(&self, user_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT preferences FROM user_preferences WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Replaces a user's preferences (JSON, validated by the caller).
    pub async fn set_preferences(&self, user_id: &str, preferences: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_preferences (user_id, preferences, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(preferences)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Whether `password` is the user's current password (false for an unknown user).
    pub async fn password_is(&self, user_id: &str, password: &str) -> Result<bool> {
        let hash: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        match hash {
            Some(hash) => password_matches(&hash, password),
            None => Ok(false),
        }
    }

    /// Replaces a user's password and ends all their sessions but `keep` (the one that asked),
    /// so that whoever else knew the old password is signed out everywhere.
    pub async fn set_password(
        &self,
        user_id: &str,
        new_password: &str,
        keep: &SessionToken,
    ) -> Result<()> {
        validate_password("new_password", new_password)?;
        let hash = hash_password("new_password", new_password)?;
        let mut tx = self.writer.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.hash())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, username, display_name FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let roles: Vec<String> =
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let mut roles = roles
            .iter()
            .map(|role| parse_role(role))
            .collect::<Result<Vec<Role>>>()?;
        roles.sort();
        Ok(Some(User {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            roles,
        }))
    }

    /// Every user, by username, with their roles and whether they are disabled.
    pub async fn users(&self) -> Result<Vec<UserAccount>> {
        let rows =
            sqlx::query("SELECT id, username, display_name, disabled FROM users ORDER BY username")
                .fetch_all(&self.pool)
                .await?;
        let mut roles: HashMap<String, Vec<Role>> = HashMap::new();
        for row in sqlx::query("SELECT user_id, role FROM user_roles")
            .fetch_all(&self.pool)
            .await?
        {
            let role: String = row.try_get("role")?;
            roles
                .entry(row.try_get("user_id")?)
                .or_default()
                .push(parse_role(&role)?);
        }
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let disabled: i64 = row.try_get("disabled")?;
                Ok(UserAccount {
                    roles: sorted_roles(roles.get(&id).map_or(&[], Vec::as_slice)),
                    id,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    disabled: disabled != 0,
                })
            })
            .collect()
    }

    pub async fn user_account(&self, id: &str) -> Result<Option<UserAccount>> {
        let disabled: Option<i64> = sqlx::query_scalar("SELECT disabled FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let (Some(disabled), Some(user)) = (disabled, self.user(id).await?) else {
            return Ok(None);
        };
        Ok(Some(UserAccount {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            roles: user.roles,
            disabled: disabled != 0,
        }))
    }

    /// Replaces a user's roles; `None` when there is no such user. Takes effect on their next
    /// request, since sessions read the roles afresh each time.
    pub async fn set_roles(&self, user_id: &str, roles: &[Role]) -> Result<Option<UserAccount>> {
        validate_roles(roles)?;
        let mut tx = self.writer.begin().await?;
        // Write first: an SQLite transaction that reads before writing can fail to upgrade
        // its lock when another writer is busy.
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        for role in sorted_roles(roles) {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(user_id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.user_account(user_id).await
    }

    /// Disables or enables an account; `None` when there is no such user. Disabling ends all
    /// the user's sessions in the same transaction, so no request of theirs gets through after.
    pub async fn set_disabled(&self, user_id: &str, disabled: bool) -> Result<Option<UserAccount>> {
        let mut tx = self.writer.begin().await?;
        let updated = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.user_account(user_id).await
    }

    pub async fn create_session(&self, user_id: &str) -> Result<NewSession> {
        let session = NewSession {
            token: SessionToken(random_hex()),
            csrf_token: random_hex(),
        };
        let now = now_millis();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, csrf_token) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.token.hash())
        .bind(user_id)
        .bind(now)
        .bind(now + SESSION_LIFETIME_MS)
        .bind(&session.csrf_token)
        .execute(&self.writer)
        .await?;
        Ok(session)
    }

    /// The live session behind a token, when its account is enabled.
    /// Every request asks this first: one query, with a row per role the user holds.
    pub async fn session(&self, token: &SessionToken) -> Result<Option<Session>> {
        let rows = sqlx::query(
            "SELECT s.csrf_token, u.id, u.username, u.display_name, r.role FROM sessions s \
             JOIN users u ON u.id = s.user_id LEFT JOIN user_roles r ON r.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token.hash())
        .bind(now_millis())
        .fetch_all(&self.pool)
        .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut roles = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(role) = row.try_get::<Option<String>, _>("role")? {
                roles.push(parse_role(&role)?);
            }
        }
        roles.sort();
        Ok(Some(Session {
            user: User {
                id: first.try_get("id")?,
                username: first.try_get("username")?,
                display_name: first.try_get("display_name")?,
                roles,
            },
            csrf_token: first.try_get("csrf_token")?,
        }))
    }

    pub async fn end_session(&self, token: &SessionToken) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token.hash())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// How long a sign-in as `username` from `address` must wait, when either has had too
    /// many failures within the window; `None` when it may be tried now.
    pub async fn sign_in_blocked_for(
        &self,
        limits: &SignInLimits,
        username: &str,
        address: &str,
    ) -> Result<Option<Duration>> {
        let now = now_millis();
        let mut retry_at = None;
        for (key, limit) in [
            (account_key(username), limits.per_account),
            (address_key(address), limits.per_address),
        ] {
            // The `limit`-th newest failure in the window: once it leaves the window, fewer
            // than `limit` remain and the key may try again.
            let blocking: Option<i64> = sqlx::query_scalar(
                "SELECT at FROM sign_in_failures WHERE throttle_key = $1 AND at > $2 \
                 ORDER BY at DESC LIMIT 1 OFFSET $3",
            )
            .bind(&key)
            .bind(now - limits.window_ms)
            .bind(limit.max(1) - 1)
            .fetch_optional(&self.pool)
            .await?;
            retry_at = retry_at.max(blocking.map(|at| at + limits.window_ms));
        }
        Ok(retry_at.map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0))))
    }

    /// Counts a failed sign-in against the username and the address.
    pub async fn record_sign_in_failure(
        &self,
        limits: &SignInLimits,
        username: &str,
        address: &str,
    ) -> Result<()> {
        let now = now_millis();
        let mut tx = self.writer.begin().await?;
        // Failures older than the window never count again: dropping them here keeps the
        // table as small as the last window's failures.
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
            .bind(now - limits.window_ms)
            .execute(&mut *tx)
            .await?;
        for key in [account_key(username), address_key(address)] {
            sqlx::query("INSERT INTO sign_in_failures (throttle_key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the failures counted against a username (after its right password). The
    /// address keeps its count: one good account must not clear an address that guesses at
    /// others.
    pub async fn clear_sign_in_failures(&self, username: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
            .bind(account_key(username))
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
