//! The authorisation matrix: every endpoint of the API called as an anonymous client, a
//! trainee, another programme's trainee, an expert, a lead and an administrator, with the
//! status each must get. The routes are read from the router's source, so an endpoint added
//! without a row here fails the test.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, header};
use readroom_domain::Role;
use readroom_tests::world::{World, correct_report, reported_lesion};
use readroom_tests::{BACKENDS, Installation, Session, TEST_PASSWORD, call, declared_api_routes};
use serde_json::{Value, json};

/// Who calls, in the order of each row's statuses.
const CALLERS: [&str; 6] = [
    "anonymous",
    "trainee",
    "other programme's trainee",
    "expert",
    "lead",
    "admin",
];

struct Row {
    method: Method,
    /// The route as the router declares it, under `/api`.
    route: &'static str,
    /// The route with its parameters filled in.
    path: String,
    body: Option<Value>,
    /// One status per caller, in the order of `CALLERS`.
    expect: [u16; 6],
}

fn row(
    method: Method,
    route: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    expect: [u16; 6],
) -> Row {
    Row {
        method,
        route,
        path: path.into(),
        body,
        expect,
    }
}

async fn send(installation: &Installation, caller: Option<&Session>, row: &Row) -> (u16, String) {
    let router = installation.router();
    let reply = match caller {
        Some(session) => {
            session
                .send(&router, row.method.clone(), &row.path, row.body.clone())
                .await
        }
        None => {
            let mut request = Request::builder().method(row.method.clone()).uri(&row.path);
            let body = match &row.body {
                Some(body) => {
                    request = request.header(header::CONTENT_TYPE, "application/json");
                    Body::from(body.to_string())
                }
                None => Body::empty(),
            };
            call(&router, request.body(body).expect("request")).await
        }
    };
    (reply.status.as_u16(), reply.text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_each_role_as_the_matrix_says() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let (trainee, expert, lead) = (&world.trainee, &world.expert, &world.lead);
        let (c0, c1) = (world.cases[0].id.clone(), world.cases[1].id.clone());
        let (programme, cohort) = (&world.programme.id, &world.programme.cohort_id);

        // The trainee's submitted reading of case 0 and open reading of case 1.
        let read = trainee
            .post(&router, "/api/attempts", json!({"case_id": c0}))
            .await;
        let submitted = read.json()["id"].as_str().expect("id").to_owned();
        let result = trainee
            .post(
                &router,
                &format!("/api/attempts/{submitted}/submit"),
                correct_report(&world.cases[0].demo.manifest),
            )
            .await;
        assert_eq!(result.status, 200, "{}", result.text());
        let open = trainee
            .post(&router, "/api/attempts", json!({"case_id": c1}))
            .await;
        let open = open.json()["id"].as_str().expect("id").to_owned();
        let series = trainee
            .get(&router, &format!("/api/cases/{c0}"))
            .await
            .json()["series_detail"][0]["uid"]
            .as_str()
            .expect("a series")
            .to_owned();
        let spare_trainee = installation.user_with(&[Role::Trainee]).await;
        let to_disable = installation.user_with(&[Role::Trainee]).await;
        let signer = installation.user_with(&[Role::Trainee]).await;
        let now = installation.clock.now();
        let complete = json!({"lesions": [reported_lesion(4, &["mid-left-PZpl"])]});
        let me = &trainee.user.id;
        let import = installation
            .store
            .import_runs(1)
            .await
            .expect("import runs")[0]
            .id
            .clone();

        use Method as M;
        let rows = vec![
            row(
                M::GET,
                "/session",
                "/api/session",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::POST,
                "/session",
                "/api/session",
                Some(json!({"username": signer.username, "password": TEST_PASSWORD})),
                [200, 200, 200, 200, 200, 200],
            ),
            row(
                M::PUT,
                "/session/password",
                "/api/session/password",
                Some(json!({"current_password": "not it", "new_password": "a new password"})),
                [401, 422, 422, 422, 422, 422],
            ),
            row(
                M::GET,
                "/preferences",
                "/api/preferences",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::PUT,
                "/preferences",
                "/api/preferences",
                Some(json!({"viewer_keymap": null})),
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::GET,
                "/users",
                "/api/users",
                None,
                [401, 403, 403, 403, 200, 200],
            ),
            row(
                M::POST,
                "/users",
                "/api/users",
                Some(json!({
                    "username": "matrix-new-user",
                    "display_name": "New User",
                    "password": "a good password",
                    "roles": ["trainee"],
                })),
                [401, 403, 403, 403, 403, 201],
            ),
            row(
                M::PUT,
                "/users/{id}/roles",
                format!("/api/users/{}/roles", to_disable.id),
                Some(json!({"roles": ["trainee"]})),
                [401, 403, 403, 403, 403, 200],
            ),
            row(
                M::PUT,
                "/users/{id}/disabled",
                format!("/api/users/{}/disabled", to_disable.id),
                Some(json!({"disabled": true})),
                [401, 403, 403, 403, 403, 200],
            ),
            row(
                M::GET,
                "/audit",
                "/api/audit",
                None,
                [401, 403, 403, 403, 403, 200],
            ),
            row(
                M::GET,
                "/cases",
                "/api/cases",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::GET,
                "/cases/{id}",
                format!("/api/cases/{c0}"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/cases/{id}/truth",
                format!("/api/cases/{c0}/truth"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/cases/{id}/truth",
                format!("/api/cases/{c1}/truth"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/cases/{id}/reference-reads",
                format!("/api/cases/{c1}/reference-reads"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::PUT,
                "/cases/{id}/reference-read",
                format!("/api/cases/{c0}/reference-read"),
                Some(complete.clone()),
                [401, 403, 403, 200, 403, 403],
            ),
            row(
                M::GET,
                "/series/{uid}",
                format!("/api/series/{series}"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/series/{uid}/voxels",
                format!("/api/series/{series}/voxels"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/series/{uid}/frames/{index}",
                format!("/api/series/{series}/frames/0"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/series/{uid}/thumbnail.png",
                format!("/api/series/{series}/thumbnail.png"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/programmes",
                "/api/programmes",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::POST,
                "/programmes",
                "/api/programmes",
                Some(json!({"name": "Another programme"})),
                [401, 403, 403, 403, 201, 403],
            ),
            row(
                M::GET,
                "/programmes/{id}",
                format!("/api/programmes/{programme}"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::PUT,
                "/programmes/{id}/settings",
                format!("/api/programmes/{programme}/settings"),
                Some(json!({})),
                [401, 403, 403, 403, 200, 403],
            ),
            row(
                M::POST,
                "/programmes/{id}/members",
                format!("/api/programmes/{programme}/members"),
                Some(json!({"user_id": spare_trainee.id, "role": "trainee"})),
                [401, 403, 403, 403, 201, 403],
            ),
            row(
                M::POST,
                "/programmes/{id}/cohorts",
                format!("/api/programmes/{programme}/cohorts"),
                Some(json!({"name": "Spring intake"})),
                [401, 403, 403, 403, 201, 403],
            ),
            row(
                M::POST,
                "/programmes/{id}/case-sets",
                format!("/api/programmes/{programme}/case-sets"),
                Some(json!({"name": "More", "case_ids": [c0]})),
                [401, 403, 403, 403, 201, 403],
            ),
            row(
                M::POST,
                "/programmes/{id}/assignments",
                format!("/api/programmes/{programme}/assignments"),
                Some(json!({
                    "case_set_id": world.programme.case_set_id,
                    "cohort_id": cohort,
                    "opens_at": now,
                    "due_at": now + 1000,
                })),
                [401, 403, 403, 403, 201, 403],
            ),
            row(
                M::GET,
                "/programmes/{id}/dashboard",
                format!("/api/programmes/{programme}/dashboard"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/programmes/{id}/trend",
                format!("/api/programmes/{programme}/trend"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/programmes/{id}/export/attempts.csv",
                format!("/api/programmes/{programme}/export/attempts.csv"),
                None,
                [401, 403, 403, 403, 200, 403],
            ),
            row(
                M::GET,
                "/programmes/{id}/export/trainees.csv",
                format!("/api/programmes/{programme}/export/trainees.csv"),
                None,
                [401, 403, 403, 403, 200, 403],
            ),
            row(
                M::POST,
                "/cohorts/{id}/members",
                format!("/api/cohorts/{cohort}/members"),
                Some(json!({"user_id": spare_trainee.id})),
                [401, 403, 403, 403, 201, 403],
            ),
            row(
                M::GET,
                "/cohorts/{id}/dashboard",
                format!("/api/cohorts/{cohort}/dashboard"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/cohorts/{id}/trend",
                format!("/api/cohorts/{cohort}/trend"),
                None,
                [401, 403, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/assignments",
                "/api/assignments",
                None,
                [401, 200, 200, 403, 403, 403],
            ),
            row(
                M::GET,
                "/rereads",
                "/api/rereads",
                None,
                [401, 200, 200, 403, 403, 403],
            ),
            row(
                M::GET,
                "/attempts",
                "/api/attempts",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::GET,
                "/attempts",
                format!("/api/attempts?trainee_id={me}"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::POST,
                "/attempts",
                "/api/attempts",
                Some(json!({"case_id": c1})),
                [401, 200, 403, 403, 403, 403],
            ),
            row(
                M::GET,
                "/attempts/{id}",
                format!("/api/attempts/{submitted}"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::PUT,
                "/attempts/{id}/report",
                format!("/api/attempts/{open}/report"),
                Some(json!({"lesions": []})),
                [401, 200, 403, 403, 403, 403],
            ),
            row(
                M::POST,
                "/attempts/{id}/submit",
                format!("/api/attempts/{open}/submit"),
                Some(correct_report(&world.cases[1].demo.manifest)),
                [401, 200, 403, 403, 403, 403],
            ),
            row(
                M::POST,
                "/attempts/{id}/messages",
                format!("/api/attempts/{submitted}/messages"),
                Some(json!({"kind": "question", "body": "Why?"})),
                [401, 201, 403, 403, 403, 403],
            ),
            row(
                M::POST,
                "/attempts/{id}/messages",
                format!("/api/attempts/{submitted}/messages"),
                Some(json!({"kind": "feedback", "body": "Because."})),
                [401, 403, 403, 201, 403, 403],
            ),
            row(
                M::POST,
                "/attempts/{id}/read",
                format!("/api/attempts/{submitted}/read"),
                None,
                [401, 204, 403, 204, 204, 204],
            ),
            row(
                M::GET,
                "/openapi.json",
                "/api/openapi.json",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            row(
                M::GET,
                "/unread",
                "/api/unread",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            row(
                M::GET,
                "/review-queue",
                "/api/review-queue",
                None,
                [401, 403, 403, 200, 403, 403],
            ),
            row(
                M::GET,
                "/trainees/{id}/rolling",
                format!("/api/trainees/{me}/rolling"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/trainees/{id}/analytics",
                format!("/api/trainees/{me}/analytics"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/trainees/{id}/record",
                format!("/api/trainees/{me}/record"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/trainees/{id}/record/verify",
                format!("/api/trainees/{me}/record/verify?code=RR1-0-0123456789ABCDEF"),
                None,
                [401, 200, 403, 200, 200, 200],
            ),
            row(
                M::GET,
                "/studies",
                "/api/studies",
                None,
                [401, 403, 403, 403, 403, 200],
            ),
            row(
                M::GET,
                "/imports",
                "/api/imports",
                None,
                [401, 403, 403, 403, 403, 200],
            ),
            row(
                M::GET,
                "/imports/{id}",
                format!("/api/imports/{import}"),
                None,
                [401, 403, 403, 403, 403, 200],
            ),
            // Last: it ends each caller's session.
            row(
                M::DELETE,
                "/session",
                "/api/session",
                None,
                [401, 204, 204, 204, 204, 204],
            ),
        ];

        let covered: BTreeSet<(String, String)> = rows
            .iter()
            .map(|row| (row.method.to_string(), row.route.to_owned()))
            .collect();
        let declared = declared_api_routes();
        let missing: Vec<_> = declared.difference(&covered).collect();
        assert!(
            missing.is_empty(),
            "endpoints without a row in the matrix: {missing:?}"
        );
        let stale: Vec<_> = covered.difference(&declared).collect();
        assert!(
            stale.is_empty(),
            "rows for endpoints the router lacks: {stale:?}"
        );

        let callers = [
            None,
            Some(trainee),
            Some(&world.other_trainee),
            Some(expert),
            Some(lead),
            Some(&world.admin),
        ];
        let mut wrong = Vec::new();
        for row in &rows {
            for ((caller, name), expected) in callers.iter().zip(CALLERS).zip(row.expect) {
                let (status, body) = send(&installation, *caller, row).await;
                if status != expected {
                    wrong.push(format!(
                        "{} {} as {name}: {status}, expected {expected}: {body}",
                        row.method, row.path
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{backend:?}:\n{}", wrong.join("\n"));
    }
}

#[test]
fn the_route_reader_finds_every_method_of_a_route() {
    let declared = declared_api_routes();
    for expected in [
        ("GET", "/session"),
        ("POST", "/session"),
        ("DELETE", "/session"),
        ("GET", "/attempts"),
        ("POST", "/attempts"),
        ("POST", "/attempts/{id}/messages"),
    ] {
        assert!(
            declared.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {declared:?}"
        );
    }
    assert!(!declared.contains(&("GET".to_owned(), "/attempts/{id}/messages".to_owned())));
}
