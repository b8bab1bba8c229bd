//! Users, roles, passwords and sessions.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use readroom_domain::{Role, User};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::cases::conflict_if_taken;
use crate::{Result, Store, StoreError, now_millis};

/// How long a session lasts without signing in again.
const SESSION_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

/// The secret a browser holds in its session cookie. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl SessionToken {
    fn generate() -> SessionToken {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        SessionToken(hex::encode(bytes))
    }

    fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

fn validate(user: &NewUser) -> Result<()> {
    let username_ok = (2..=64).contains(&user.username.len())
        && user
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !username_ok {
        return Err(StoreError::Invalid(
            "username: 2 to 64 letters, digits, '.', '_', '-' or '@'".into(),
        ));
    }
    if user.password.chars().count() < 8 || user.password.len() > 1024 {
        return Err(StoreError::Invalid(
            "password: at least 8 characters".into(),
        ));
    }
    if user.roles.is_empty() {
        return Err(StoreError::Invalid("roles: at least one role".into()));
    }
    if user.display_name.trim().is_empty() || user.display_name.len() > 200 {
        return Err(StoreError::Invalid(
            "display name: 1 to 200 characters".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Creates a user with a hashed (argon2id) password. A taken username is a conflict.
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        validate(new)?;
        let hash = Argon2::default()
            .hash_password(new.password.as_bytes())
            .map_err(|err| StoreError::Invalid(format!("password: {err}")))?
            .to_string();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut tx = self.pool.begin().await?;
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
        let mut roles = new.roles.clone();
        roles.sort();
        roles.dedup();
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

    /// The user when the username exists, is enabled and the password matches; `None` for
    /// every kind of failure alike, so a caller cannot tell which names exist.
    pub async fn check_password(&self, username: &str, password: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            // Spend the same time as a real check, so timing does not reveal usernames.
            let _ = Argon2::default().hash_password(password.as_bytes());
            return Ok(None);
        };
        let hash: String = row.try_get("password_hash")?;
        let disabled: i64 = row.try_get("disabled")?;
        let parsed = PasswordHash::new(&hash)
            .map_err(|err| StoreError::Corrupt(format!("password hash: {err}")))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        if !matches || disabled != 0 {
            return Ok(None);
        }
        let id: String = row.try_get("id")?;
        self.user(&id).await
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
        let roles = roles
            .iter()
            .map(|role| {
                role.parse()
                    .map_err(|err| StoreError::Corrupt(format!("{err}")))
            })
            .collect::<Result<Vec<Role>>>()?;
        Ok(Some(User {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            roles,
        }))
    }

    pub async fn create_session(&self, user_id: &str) -> Result<SessionToken> {
        let token = SessionToken::generate();
        let now = now_millis();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token.hash())
        .bind(user_id)
        .bind(now)
        .bind(now + SESSION_LIFETIME_MS)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The user behind a live session of an enabled account.
    pub async fn session_user(&self, token: &SessionToken) -> Result<Option<User>> {
        let user_id: Option<String> = sqlx::query_scalar(
            "SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token.hash())
        .bind(now_millis())
        .fetch_optional(&self.pool)
        .await?;
        match user_id {
            Some(id) => self.user(&id).await,
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, token: &SessionToken) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token.hash())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
