//! The signed-in user's own preferences, kept on the server so that they follow the user from
//! browser to browser: for now the viewer's shortcuts and mouse buttons, remapped in the viewer.

use axum::Json;
use axum::extract::State;
use readroom_viewer_core::Keymap;
use serde::{Deserialize, Serialize};

use crate::extract::JsonBody;
use crate::session::CurrentUser;
use crate::{ApiError, AppState};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The viewer's keymap as `ReadroomViewer.keymap()` gives it; `None` for the defaults.
    /// Read as the viewer reads it, so that a keymap the viewer would refuse is refused here.
    #[serde(default)]
    viewer_keymap: Option<Keymap>,
}

/// `GET /api/preferences`: the defaults until the user saves their own.
pub async fn get(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Json<Preferences>, ApiError> {
    match state.store.preferences(&user.0.id).await? {
        Some(stored) => Ok(Json(serde_json::from_str(&stored).map_err(|err| {
            ApiError::Internal(format!("stored preferences are unreadable: {err}"))
        })?)),
        None => Ok(Json(Preferences::default())),
    }
}

/// `PUT /api/preferences`: replaces them whole; answers what is now stored.
pub async fn put(
    user: CurrentUser,
    State(state): State<AppState>,
    JsonBody(preferences): JsonBody<Preferences>,
) -> Result<Json<Preferences>, ApiError> {
    let stored =
        serde_json::to_string(&preferences).map_err(|err| ApiError::Internal(err.to_string()))?;
    state
        .store
        .set_preferences(&user.0.id, &stored, state.clock.now())
        .await?;
    Ok(Json(preferences))
}
