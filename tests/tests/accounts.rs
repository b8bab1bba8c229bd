//! Accounts over the HTTP API, on both database backends: CSRF tokens on every change,
//! sign-in throttling per account and per address, password changes, disabled accounts,
//! user management by admins only, and the audit log of all of it.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use readroom_domain::Role;
use readroom_tests::{BACKENDS, Installation, Reply, Session, TEST_PASSWORD, call, get, sign_in};
use serde_json::{Value, json};

/// A sign-in as it arrives from `address` through a server that records connection info.
async fn sign_in_from(router: &Router, address: &str, username: &str, password: &str) -> Reply {
    let mut request = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .expect("request");
    let address: SocketAddr = address.parse().expect("a socket address");
    request.extensions_mut().insert(ConnectInfo(address));
    call(router, request).await
}

fn error_code(reply: &Reply) -> Value {
    reply.json()["error"]["code"].clone()
}

fn usernames(reply: &Reply) -> Vec<String> {
    reply
        .json()
        .as_array()
        .expect("a list of users")
        .iter()
        .map(|user| user["username"].as_str().expect("a username").to_owned())
        .collect()
}

async fn audit(router: &Router, admin: &Session) -> Vec<Value> {
    let reply = admin.get(router, "/api/audit?limit=1000").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json().as_array().expect("a list of entries").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let admin = installation.signed_in(Role::Admin).await;
        let other = installation.signed_in(Role::Admin).await;
        let new_user = json!({
            "username": "forged", "password": "long enough password", "roles": ["admin"]
        });
        let send = |method: Method, path: &str, token: Option<&str>, body: &Value| {
            let mut request = Request::builder()
                .method(method)
                .uri(path)
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(token) = token {
                request = request.header("x-csrf-token", token);
            }
            call(&router, request.body(Body::from(body.to_string())).unwrap())
        };
        let password_change =
            json!({"current_password": TEST_PASSWORD, "new_password": "a new password"});
        let made_up = "0".repeat(64);
        let disable_other = format!("/api/users/{}/disabled", other.user.id);
        let attempts = [
            send(Method::POST, "/api/users", None, &new_user).await,
            send(Method::POST, "/api/users", Some(""), &new_user).await,
            send(Method::POST, "/api/users", Some(&made_up), &new_user).await,
            // Another session's token is as wrong as a made-up one.
            send(Method::POST, "/api/users", Some(&other.csrf), &new_user).await,
            send(Method::PUT, "/api/session/password", None, &password_change).await,
            send(
                Method::PUT,
                &disable_other,
                Some(&made_up),
                &json!({"disabled": true}),
            )
            .await,
            send(Method::DELETE, "/api/session", None, &Value::Null).await,
        ];
        for reply in &attempts {
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{backend:?}: {}",
                reply.text()
            );
            assert_eq!(error_code(reply), "csrf_token_rejected");
            assert!(
                reply.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("X-CSRF-Token"),
                "{}",
                reply.text()
            );
        }

        // Nothing changed: no user, the same password, both sessions alive.
        let users = admin.get(&router, "/api/users").await;
        assert!(
            !usernames(&users).contains(&"forged".to_owned()),
            "{backend:?}"
        );
        assert_eq!(
            get(&router, "/api/session", Some(&admin.cookie), &[])
                .await
                .status,
            StatusCode::OK,
            "reading needs no token, and the session was not ended"
        );
        assert_eq!(
            other.get(&router, "/api/session").await.status,
            StatusCode::OK
        );
        assert_eq!(
            sign_in(&router, &admin.user.username, TEST_PASSWORD)
                .await
                .status,
            StatusCode::OK
        );

        // With the token, the same request goes through.
        let created = admin.post(&router, "/api/users", new_user).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{backend:?}: {}",
            created.text()
        );
    }
}

#[tokio::test]
async fn a_form_post_cannot_sign_in() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let user = installation.user_with(&[Role::Trainee]).await;
        let json_body = json!({"username": user.username, "password": TEST_PASSWORD}).to_string();
        let form_body = format!("username={}&password=correct+horse+battery", user.username);
        for (content_type, body) in [
            ("application/x-www-form-urlencoded", form_body.clone()),
            ("multipart/form-data; boundary=x", form_body),
            ("text/plain", json_body.clone()),
        ] {
            let reply = call(
                &router,
                Request::post("/api/session")
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{backend:?} {content_type}"
            );
            assert!(reply.headers.get(header::SET_COOKIE).is_none());
        }
        let unlabelled = call(
            &router,
            Request::post("/api/session")
                .body(Body::from(json_body))
                .unwrap(),
        )
        .await;
        assert_eq!(unlabelled.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            sign_in(&router, &user.username, TEST_PASSWORD).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let user = installation.user_with(&[Role::Trainee]).await;
        let neighbour = installation.user_with(&[Role::Trainee]).await;
        for attempt in 1..=5 {
            let wrong = sign_in(&router, &user.username, "not the password").await;
            assert_eq!(
                wrong.status,
                StatusCode::UNAUTHORIZED,
                "{backend:?} #{attempt}"
            );
        }
        for password in [TEST_PASSWORD, "not the password"] {
            let refused = sign_in(&router, &user.username, password).await;
            assert_eq!(
                refused.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{backend:?}: {}",
                refused.text()
            );
            assert_eq!(error_code(&refused), "too_many_attempts");
            assert_eq!(
                refused.json()["error"]["message"],
                "too many failed sign-ins: try again in 15 minutes"
            );
            assert!(refused.headers.get(header::SET_COOKIE).is_none());
        }
        // Another account from the same address is not held back by this one.
        assert_eq!(
            sign_in(&router, &neighbour.username, TEST_PASSWORD)
                .await
                .status,
            StatusCode::OK,
            "{backend:?}"
        );
        // A name that does not exist is throttled all the same, so throttling does not
        // reveal which names exist.
        for _ in 1..=5 {
            sign_in(&router, "nobody-here", "guess").await;
        }
        assert_eq!(
            sign_in(&router, "nobody-here", "guess").await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_accounts_failures() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let user = installation.user_with(&[Role::Expert]).await;
        for _ in 1..=4 {
            sign_in(&router, &user.username, "typo").await;
        }
        assert_eq!(
            sign_in(&router, &user.username, TEST_PASSWORD).await.status,
            StatusCode::OK
        );
        for attempt in 1..=4 {
            let wrong = sign_in(&router, &user.username, "typo").await;
            assert_eq!(
                wrong.status,
                StatusCode::UNAUTHORIZED,
                "{backend:?} #{attempt}"
            );
        }
        assert_eq!(
            sign_in(&router, &user.username, TEST_PASSWORD).await.status,
            StatusCode::OK,
            "{backend:?}: 4 failures since the last success are under the limit"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_failures_from_one_address_block_that_address_only() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let user = installation.user_with(&[Role::Trainee]).await;
        // Twenty names, one try each: no account reaches its own limit.
        for guess in 0..20 {
            let reply =
                sign_in_from(&router, "203.0.113.7:5000", &format!("guess-{guess}"), "x").await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{backend:?} #{guess}"
            );
        }
        let blocked =
            sign_in_from(&router, "203.0.113.7:6000", &user.username, TEST_PASSWORD).await;
        assert_eq!(
            blocked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}: {}",
            blocked.text()
        );
        assert_eq!(error_code(&blocked), "too_many_attempts");
        let elsewhere =
            sign_in_from(&router, "198.51.100.2:5000", &user.username, TEST_PASSWORD).await;
        assert_eq!(elsewhere.status, StatusCode::OK, "{backend:?}");

        // An IPv6 client holds a whole /64: its addresses are counted together.
        for guess in 0..20 {
            let address = format!("[2001:db8::{:x}]:443", guess + 1);
            sign_in_from(&router, &address, &format!("v6-guess-{guess}"), "x").await;
        }
        let same_network = sign_in_from(
            &router,
            "[2001:db8::beef]:443",
            &user.username,
            TEST_PASSWORD,
        )
        .await;
        assert_eq!(
            same_network.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}"
        );
        let next_network = sign_in_from(
            &router,
            "[2001:db8:0:1::1]:443",
            &user.username,
            TEST_PASSWORD,
        )
        .await;
        assert_eq!(next_network.status, StatusCode::OK, "{backend:?}");

        let entries = audit(&router, &installation.signed_in(Role::Admin).await).await;
        let throttled = entries
            .iter()
            .find(|entry| entry["action"] == "sign_in_throttled")
            .expect("a throttled sign-in is audited");
        assert_eq!(throttled["address"], "2001:db8::beef");
        assert_eq!(throttled["subject"], user.username.as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let user = installation.user_with(&[Role::Trainee]).await;
        let here = Session::from_sign_in(&sign_in(&router, &user.username, TEST_PASSWORD).await);
        let elsewhere =
            Session::from_sign_in(&sign_in(&router, &user.username, TEST_PASSWORD).await);
        let change =
            |current: &str, new: &str| json!({"current_password": current, "new_password": new});

        let wrong = here
            .put(
                &router,
                "/api/session/password",
                change("not it", "a new password"),
            )
            .await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert!(wrong.json()["error"]["fields"]["current_password"].is_string());
        let short = here
            .put(
                &router,
                "/api/session/password",
                change(TEST_PASSWORD, "short"),
            )
            .await;
        assert_eq!(
            short.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert_eq!(
            short.json()["error"]["fields"]["new_password"],
            "at least 8 characters"
        );
        assert_eq!(
            elsewhere.get(&router, "/api/session").await.status,
            StatusCode::OK,
            "refused changes end nothing"
        );

        let changed = here
            .put(
                &router,
                "/api/session/password",
                change(TEST_PASSWORD, "a new password"),
            )
            .await;
        assert_eq!(
            changed.status,
            StatusCode::NO_CONTENT,
            "{backend:?}: {}",
            changed.text()
        );
        assert_eq!(
            here.get(&router, "/api/session").await.status,
            StatusCode::OK
        );
        assert_eq!(
            elsewhere.get(&router, "/api/session").await.status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: the other session ended"
        );
        assert_eq!(
            sign_in(&router, &user.username, TEST_PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            sign_in(&router, &user.username, "a new password")
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_user_cannot_sign_in_and_their_sessions_end() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let admin = installation.signed_in(Role::Admin).await;
        let trainee = installation.signed_in(Role::Trainee).await;
        let path = format!("/api/users/{}/disabled", trainee.user.id);

        let disabled = admin.put(&router, &path, json!({"disabled": true})).await;
        assert_eq!(
            disabled.status,
            StatusCode::OK,
            "{backend:?}: {}",
            disabled.text()
        );
        assert_eq!(disabled.json()["disabled"], true);
        assert_eq!(
            trainee.get(&router, "/api/cases").await.status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: the session ended"
        );

        let right = sign_in(&router, &trainee.user.username, TEST_PASSWORD).await;
        assert_eq!(right.status, StatusCode::UNAUTHORIZED);
        assert_eq!(right.json()["error"]["message"], "this account is disabled");
        assert!(right.headers.get(header::SET_COOKIE).is_none());
        // Only the right password learns that the account is disabled.
        let wrong = sign_in(&router, &trainee.user.username, "a guess").await;
        assert_eq!(
            wrong.json()["error"]["message"],
            "wrong username or password"
        );

        let listed = admin.get(&router, "/api/users").await.json();
        let entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["id"] == trainee.user.id.as_str())
            .expect("the trainee is listed")
            .clone();
        assert_eq!(entry["disabled"], true, "{backend:?}");

        let enabled = admin.put(&router, &path, json!({"disabled": false})).await;
        assert_eq!(enabled.json()["disabled"], false);
        assert_eq!(
            sign_in(&router, &trainee.user.username, TEST_PASSWORD)
                .await
                .status,
            StatusCode::OK,
            "{backend:?}"
        );

        let own = format!("/api/users/{}/disabled", admin.user.id);
        let itself = admin.put(&router, &own, json!({"disabled": true})).await;
        assert_eq!(itself.status, StatusCode::CONFLICT, "{backend:?}");
        assert_eq!(
            admin.get(&router, "/api/session").await.status,
            StatusCode::OK
        );
        let nobody = admin
            .put(
                &router,
                "/api/users/nobody/disabled",
                json!({"disabled": true}),
            )
            .await;
        assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_manage_users_and_read_the_audit_log() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let target = installation.user_with(&[Role::Trainee]).await;
        let roles_path = format!("/api/users/{}/roles", target.id);
        let disabled_path = format!("/api/users/{}/disabled", target.id);
        let new_user = json!({
            "username": "made-by-someone", "password": "long enough password", "roles": ["admin"]
        });

        for role in [Role::Trainee, Role::Expert, Role::Lead] {
            let session = installation.signed_in(role).await;
            let replies = [
                session.post(&router, "/api/users", new_user.clone()).await,
                session
                    .put(&router, &roles_path, json!({"roles": ["admin"]}))
                    .await,
                session
                    .put(&router, &disabled_path, json!({"disabled": true}))
                    .await,
                // The role is checked before the body is read.
                session.put(&router, &roles_path, json!("nonsense")).await,
                session.get(&router, "/api/audit").await,
            ];
            for reply in &replies {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{backend:?} {role}");
                assert_eq!(error_code(reply), "forbidden");
            }
            let list = session.get(&router, "/api/users").await;
            let expected = if role == Role::Lead {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(list.status, expected, "{backend:?} {role} lists users");
        }

        for (method, path) in [
            (Method::GET, "/api/users"),
            (Method::POST, "/api/users"),
            (Method::PUT, roles_path.as_str()),
            (Method::PUT, disabled_path.as_str()),
            (Method::PUT, "/api/session/password"),
            (Method::GET, "/api/audit"),
        ] {
            let anonymous = call(
                &router,
                Request::builder()
                    .method(method.clone())
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(new_user.to_string()))
                    .unwrap(),
            )
            .await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
        }

        // Nothing of the above took effect.
        let admin = installation.signed_in(Role::Admin).await;
        let users = admin.get(&router, "/api/users").await;
        assert!(!usernames(&users).contains(&"made-by-someone".to_owned()));
        let target_now = users
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["id"] == target.id.as_str())
            .unwrap()
            .clone();
        assert_eq!(target_now["roles"], json!(["trainee"]), "{backend:?}");
        assert_eq!(target_now["disabled"], false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_create_users_and_change_their_roles() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let admin = installation.signed_in(Role::Admin).await;

        let created = admin
            .post(
                &router,
                "/api/users",
                json!({
                    "username": "dr.ana", "display_name": "Dr Ana", "password": "long enough password",
                    "roles": ["trainee"]
                }),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{backend:?}: {}",
            created.text()
        );
        let created = created.json();
        assert_eq!(created["display_name"], "Dr Ana");
        assert_eq!(created["roles"], json!(["trainee"]));
        assert_eq!(created["disabled"], false);
        assert!(created.get("password_hash").is_none() && created.get("password").is_none());
        let id = created["id"].as_str().unwrap().to_owned();
        let ana = Session::from_sign_in(&sign_in(&router, "dr.ana", "long enough password").await);

        let changed = admin
            .put(
                &router,
                &format!("/api/users/{id}/roles"),
                json!({"roles": ["lead", "expert", "lead"]}),
            )
            .await;
        assert_eq!(
            changed.status,
            StatusCode::OK,
            "{backend:?}: {}",
            changed.text()
        );
        assert_eq!(changed.json()["roles"], json!(["expert", "lead"]));
        assert_eq!(
            ana.get(&router, "/api/session").await.json()["user"]["roles"],
            json!(["expert", "lead"]),
            "{backend:?}: the new roles hold from the next request"
        );
        assert_eq!(ana.get(&router, "/api/users").await.status, StatusCode::OK);

        let cases: [(&str, Value, StatusCode); 6] = [
            (
                "/api/users",
                json!({"username": "dr.ana", "password": "long enough password", "roles": ["trainee"]}),
                StatusCode::CONFLICT,
            ),
            (
                "/api/users",
                json!({"username": "x", "password": "long enough password", "roles": ["trainee"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/users",
                json!({"username": "short.pw", "password": "short", "roles": ["trainee"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/users",
                json!({"username": "no.roles", "password": "long enough password", "roles": []}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/users",
                json!({"username": "odd.role", "password": "long enough password", "roles": ["king"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/users",
                json!({"username": "no.password", "roles": ["trainee"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (path, body, expected) in cases {
            let reply = admin.post(&router, path, body.clone()).await;
            assert_eq!(
                reply.status,
                expected,
                "{backend:?} {body}: {}",
                reply.text()
            );
            assert!(
                reply.json()["error"]["message"].is_string(),
                "{}",
                reply.text()
            );
        }
        let no_roles = admin
            .put(
                &router,
                &format!("/api/users/{id}/roles"),
                json!({"roles": []}),
            )
            .await;
        assert_eq!(no_roles.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            no_roles.json()["error"]["fields"]["roles"],
            "at least one role"
        );
        let unknown = admin
            .put(
                &router,
                "/api/users/nobody/roles",
                json!({"roles": ["trainee"]}),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{backend:?}");
        let demote_self = admin
            .put(
                &router,
                &format!("/api/users/{}/roles", admin.user.id),
                json!({"roles": ["lead"]}),
            )
            .await;
        assert_eq!(demote_self.status, StatusCode::CONFLICT, "{backend:?}");
        assert_eq!(
            admin.get(&router, "/api/session").await.json()["user"]["roles"],
            json!(["admin"])
        );
        let users = usernames(&admin.get(&router, "/api/users").await);
        assert_eq!(
            users
                .iter()
                .filter(|name| name.as_str() == "dr.ana")
                .count(),
            1
        );
        for refused in ["x", "short.pw", "no.roles", "odd.role", "no.password"] {
            assert!(
                !users.contains(&refused.to_owned()),
                "{backend:?} {refused}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_records_sign_ins_and_account_changes_newest_first() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let admin = installation.signed_in(Role::Admin).await;
        let trainee = installation.user_with(&[Role::Trainee]).await;

        sign_in_from(&router, "192.0.2.10:1000", &trainee.username, "wrong").await;
        let session = Session::from_sign_in(
            &sign_in_from(&router, "192.0.2.10:1001", &trainee.username, TEST_PASSWORD).await,
        );
        session
            .put(
                &router,
                "/api/session/password",
                json!({"current_password": TEST_PASSWORD, "new_password": "another password"}),
            )
            .await;
        session.delete(&router, "/api/session").await;
        admin
            .post(
                &router,
                "/api/users",
                json!({"username": "new.expert", "password": "long enough password", "roles": ["expert"]}),
            )
            .await;
        let roles = format!("/api/users/{}/roles", trainee.id);
        admin
            .put(&router, &roles, json!({"roles": ["trainee", "expert"]}))
            .await;
        let disabled = format!("/api/users/{}/disabled", trainee.id);
        admin
            .put(&router, &disabled, json!({"disabled": true}))
            .await;
        admin
            .put(&router, &disabled, json!({"disabled": false}))
            .await;

        let entries = audit(&router, &admin).await;
        let actions: Vec<&str> = entries
            .iter()
            .map(|entry| entry["action"].as_str().unwrap())
            .collect();
        let expected_newest_first = [
            "user_enable",
            "user_disable",
            "role_change",
            "user_create",
            "sign_out",
            "password_change",
            "sign_in",
            "sign_in_failed",
            "sign_in",
        ];
        assert_eq!(actions, expected_newest_first, "{backend:?}");
        let at: Vec<i64> = entries
            .iter()
            .map(|entry| entry["at"].as_i64().unwrap())
            .collect();
        assert!(at.windows(2).all(|pair| pair[0] >= pair[1]), "{at:?}");

        let by_action = |action: &str| -> Vec<&Value> {
            entries
                .iter()
                .filter(|entry| entry["action"] == action)
                .collect()
        };
        let failed = by_action("sign_in_failed")[0];
        assert_eq!(failed["actor_id"], Value::Null, "{backend:?}");
        assert_eq!(failed["actor_username"], Value::Null);
        assert_eq!(failed["subject"], trainee.username.as_str());
        assert_eq!(failed["address"], "192.0.2.10");
        let signed_in = by_action("sign_in")[0];
        assert_eq!(signed_in["actor_id"], trainee.id.as_str());
        assert_eq!(signed_in["actor_username"], trainee.username.as_str());
        assert_eq!(signed_in["address"], "192.0.2.10");
        let admin_sign_in = by_action("sign_in")[1];
        assert_eq!(
            admin_sign_in["actor_username"],
            admin.user.username.as_str()
        );
        assert_eq!(
            admin_sign_in["address"], "unknown",
            "no connection info without a real server"
        );
        for action in ["password_change", "sign_out"] {
            assert_eq!(
                by_action(action)[0]["actor_id"],
                trainee.id.as_str(),
                "{action}"
            );
        }
        for action in ["user_create", "role_change", "user_disable", "user_enable"] {
            let entry = by_action(action)[0];
            assert_eq!(
                entry["actor_username"],
                admin.user.username.as_str(),
                "{action}"
            );
        }
        assert_eq!(by_action("user_create")[0]["subject"], "new.expert");
        assert_eq!(
            by_action("role_change")[0]["subject"],
            format!("{}: trainee, expert", trainee.username)
        );
        assert_eq!(
            by_action("user_disable")[0]["subject"],
            trainee.username.as_str()
        );

        let two = admin.get(&router, "/api/audit?limit=2").await.json();
        assert_eq!(two.as_array().unwrap().len(), 2);
        assert_eq!(two[0]["action"], "user_enable");
        for bad in ["0", "1001", "-3", "many"] {
            let reply = admin.get(&router, &format!("/api/audit?limit={bad}")).await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "limit={bad}"
            );
            assert!(reply.json()["error"]["fields"]["limit"].is_string());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_keeps_their_own_viewer_shortcuts_and_a_bad_keymap_changes_nothing() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let trainee = installation.signed_in(Role::Trainee).await;
        let expert = installation.signed_in(Role::Expert).await;

        // The defaults until saved.
        let reply = trainee.get(&router, "/api/preferences").await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{backend:?}: {}",
            reply.text()
        );
        assert_eq!(reply.json(), json!({"viewer_keymap": null}), "{backend:?}");

        // The viewer's default keymap with Next slice on "j" and the primary button panning.
        let mut keymap = serde_json::to_value(readroom_viewer_core::Keymap::default())
            .expect("the keymap as JSON");
        keymap["keys"]["j"] = json!("next_slice");
        keymap["mouse"]["primary"] = json!({"tool": "pan"});
        let saved = json!({"viewer_keymap": keymap});
        let reply = trainee
            .send(
                &router,
                Method::PUT,
                "/api/preferences",
                Some(saved.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{backend:?}: {}",
            reply.text()
        );
        let reply = trainee.get(&router, "/api/preferences").await;
        assert_eq!(reply.json(), saved, "{backend:?}: not read back as saved");

        // Another user still has the defaults.
        let reply = expert.get(&router, "/api/preferences").await;
        assert_eq!(reply.json(), json!({"viewer_keymap": null}), "{backend:?}");

        // An unknown command, a malformed key chord, an unknown field: 422, nothing changed.
        let mut unknown_command = keymap.clone();
        unknown_command["keys"]["k"] = json!("self_destruct");
        let mut bad_chord = keymap.clone();
        bad_chord["keys"]["Ctrl+"] = json!("next_slice");
        for bad in [
            json!({"viewer_keymap": unknown_command}),
            json!({"viewer_keymap": bad_chord}),
            json!({"viewer_keymap": keymap, "theme": "dark"}),
            json!({"viewer_keymap": "j: next_slice"}),
        ] {
            let reply = trainee
                .send(&router, Method::PUT, "/api/preferences", Some(bad.clone()))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend:?}: {bad} → {}",
                reply.text()
            );
            assert_eq!(error_code(&reply), json!("invalid"), "{backend:?}");
            let reply = trainee.get(&router, "/api/preferences").await;
            assert_eq!(
                reply.json(),
                saved,
                "{backend:?}: {bad} changed the preferences"
            );
        }
    }
}
