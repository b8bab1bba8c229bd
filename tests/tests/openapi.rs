//! The OpenAPI document at `GET /api/openapi.json` stays true: it is served to anyone, it
//! describes exactly the routes the router declares, its schemas compile, and real replies of
//! every operation (and of each kind of refusal) validate against what it documents for their
//! status and media type.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use readroom_domain::Role;
use readroom_tests::world::{World, correct_report, reported_lesion, wrong_report};
use readroom_tests::{
    BACKENDS, Backend, Installation, Reply, Session, TEST_PASSWORD, call, declared_api_routes, get,
};
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(router: &Router) -> Value {
    let reply = get(router, "/api/openapi.json", None, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

/// `schema` with the document's components beside it, so that its `$ref`s resolve.
fn with_components(document: &Value, schema: &Value) -> Value {
    let mut schema = schema.clone();
    schema["components"] = document["components"].clone();
    schema
}

fn compile(document: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft202012::new(&with_components(document, schema)).map_err(|err| err.to_string())
}

/// Every (METHOD, path) the document describes.
fn documented_routes(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter(|method| item.get(*method).is_some())
                .map(|method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

/// Every `$ref` anywhere under `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => references(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_served_to_anyone() {
    let installation = Installation::new(Backend::Sqlite).await;
    let reply = get(&installation.router(), "/api/openapi.json", None, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.headers[header::CONTENT_TYPE].to_str().ok(),
        Some("application/json")
    );
    let document = reply.json();
    let version = document["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3.1."), "openapi: {version}");
    assert_eq!(document["servers"], json!([{"url": "/api"}]));
    assert_eq!(
        document["paths"]["/openapi.json"]["get"]["security"],
        json!([]),
        "the document itself needs no session"
    );
}

#[tokio::test]
async fn the_document_describes_exactly_the_routes_the_router_declares() {
    let installation = Installation::new(Backend::Sqlite).await;
    let documented = documented_routes(&document(&installation.router()).await);
    let declared = declared_api_routes();
    let undocumented: Vec<_> = declared.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    let stale: Vec<_> = documented.difference(&declared).collect();
    assert!(
        stale.is_empty(),
        "documented routes the router lacks: {stale:?}"
    );
}

#[tokio::test]
async fn every_operation_documents_its_parameters_refusals_and_schemas() {
    let installation = Installation::new(Backend::Sqlite).await;
    let document = document(&installation.router()).await;
    let mut problems = Vec::new();

    let components = document["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    for (name, schema) in components {
        if let Err(err) = jsonschema::meta::validate(schema) {
            problems.push(format!("schema {name} is not JSON Schema 2020-12: {err}"));
        }
        let reference = json!({"$ref": format!("#/components/schemas/{name}")});
        if let Err(err) = compile(&document, &reference) {
            problems.push(format!("schema {name} does not compile: {err}"));
        }
    }
    let mut found = Vec::new();
    references(&document, &mut found);
    for target in found {
        let name = target.strip_prefix("#/components/schemas/");
        if !name.is_some_and(|name| components.contains_key(name)) {
            problems.push(format!("`$ref` to nothing: {target}"));
        }
    }

    let mut operation_ids = BTreeSet::new();
    for (method, path) in documented_routes(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        let name = format!("{method} {path}");
        let id = operation["operationId"].as_str().unwrap_or_default();
        if !operation_ids.insert(id.to_owned()) {
            problems.push(format!("{name}: operationId `{id}` is not unique"));
        }
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for segment in path.split('/') {
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                continue;
            };
            let declared = parameters.iter().any(|p| {
                p["name"] == param && p["in"] == "path" && p["required"] == Value::Bool(true)
            });
            if !declared {
                problems.push(format!("{name}: path parameter `{param}` is not described"));
            }
        }
        let responses = operation["responses"].as_object().expect("responses");
        if !responses.contains_key("500") {
            problems.push(format!("{name}: no 500"));
        }
        let public = operation["security"] == json!([]);
        if !public && !responses.contains_key("401") {
            problems.push(format!("{name}: needs a session but documents no 401"));
        }
        if !public && method != "GET" {
            let csrf = operation["security"][0].get("csrf").is_some();
            if !csrf || !responses.contains_key("403") {
                problems.push(format!("{name}: changes state but documents no CSRF token"));
            }
        }
        let bodies = responses
            .iter()
            .map(|(status, response)| (status.as_str(), response))
            .chain(
                operation
                    .get("requestBody")
                    .map(|body| ("request body", body)),
            );
        for (status, response) in bodies {
            let content = response["content"].as_object().cloned().unwrap_or_default();
            for (media, entry) in content {
                if let Err(err) = compile(&document, &entry["schema"]) {
                    problems.push(format!("{name} {status} {media}: {err}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Sends requests and checks each reply against the document: its status must be documented
/// for the operation, its media type documented for that status, and a JSON body must
/// validate against the schema documented for it.
struct Checker {
    document: Value,
    /// The document's (METHOD, route) pairs, to find the operation a path is a case of.
    routes: Vec<(String, String)>,
    /// Operations seen to succeed.
    succeeded: BTreeSet<(String, String)>,
    problems: Vec<String>,
}

impl Checker {
    fn new(document: Value) -> Checker {
        let routes = documented_routes(&document).into_iter().collect();
        Checker {
            document,
            routes,
            succeeded: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    /// The documented route that `path` (under `/api`, with any query) is a case of.
    fn route(&self, method: &Method, path: &str) -> Option<String> {
        let path = path.strip_prefix("/api").unwrap_or(path);
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .filter(|(declared_method, _)| declared_method == method.as_str())
            .map(|(_, route)| route)
            .filter(|route| {
                let pattern: Vec<&str> = route.split('/').collect();
                pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(pattern, segment)| pattern.starts_with('{') || pattern == segment)
            })
            .min_by_key(|route| route.matches('{').count())
            .cloned()
    }

    async fn send(
        &mut self,
        router: &Router,
        caller: Option<&Session>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let reply = match caller {
            Some(session) => session.send(router, method.clone(), path, body).await,
            None => {
                let mut request = Request::builder().method(method.clone()).uri(path);
                let body = match body {
                    Some(body) => {
                        request = request.header(header::CONTENT_TYPE, "application/json");
                        Body::from(body.to_string())
                    }
                    None => Body::empty(),
                };
                call(router, request.body(body).expect("request")).await
            }
        };
        self.check(&method, path, &reply);
        reply
    }

    fn check(&mut self, method: &Method, path: &str, reply: &Reply) {
        let name = format!("{method} {path} → {}", reply.status);
        let Some(route) = self.route(method, path) else {
            self.problems.push(format!("{name}: no documented route"));
            return;
        };
        let operation = &self.document["paths"][&route][method.as_str().to_lowercase()];
        let Some(response) = operation["responses"].get(reply.status.as_str()) else {
            self.problems
                .push(format!("{name}: status not documented: {}", reply.text()));
            return;
        };
        let media = reply
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or(value).trim().to_owned());
        match (media, response.get("content")) {
            (None, None) => {}
            (Some(media), Some(content)) => {
                let Some(schema) = content.get(&media).map(|entry| &entry["schema"]) else {
                    self.problems
                        .push(format!("{name}: {media} not documented for this status"));
                    return;
                };
                if media == "application/json" {
                    let validator = match compile(&self.document, schema) {
                        Ok(validator) => validator,
                        Err(err) => {
                            self.problems.push(format!("{name}: {err}"));
                            return;
                        }
                    };
                    let body = reply.json();
                    for error in validator.iter_errors(&body) {
                        self.problems
                            .push(format!("{name}: at `{}`: {error}", error.instance_path()));
                    }
                }
            }
            (media, content) => {
                self.problems.push(format!(
                    "{name}: sent {media:?}, documented {:?}",
                    content
                        .map(|content| content.as_object().map(|c| c.keys().collect::<Vec<_>>()))
                ));
                return;
            }
        }
        if reply.status.is_success() || reply.status == 304 {
            self.succeeded.insert((method.to_string(), route));
        }
    }
}

fn id(reply: &Reply) -> String {
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()["id"].as_str().expect("an id").to_owned()
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_replies_of_every_operation_validate_against_the_document() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let mut api = Checker::new(document(&router).await);
        let (trainee, expert, lead, admin) = (
            Some(&world.trainee),
            Some(&world.expert),
            Some(&world.lead),
            Some(&world.admin),
        );
        let (c0, c1, c2) = (
            world.cases[0].id.clone(),
            world.cases[1].id.clone(),
            world.cases[2].id.clone(),
        );
        let (programme, cohort) = (&world.programme.id, &world.programme.cohort_id);
        let me = world.trainee.user.id.clone();
        use Method as M;

        // Accounts.
        let signer = installation.user_with(&[Role::Trainee]).await;
        let credentials = json!({"username": signer.username, "password": TEST_PASSWORD});
        let signed_in = api
            .send(&router, None, M::POST, "/api/session", Some(credentials))
            .await;
        let signer = Session::from_sign_in(&signed_in);
        api.send(&router, Some(&signer), M::GET, "/api/session", None)
            .await;
        let change = json!({"current_password": TEST_PASSWORD, "new_password": "another password"});
        let changed = api
            .send(
                &router,
                Some(&signer),
                M::PUT,
                "/api/session/password",
                Some(change),
            )
            .await;
        assert_eq!(changed.status, 204, "{}", changed.text());
        api.send(&router, admin, M::GET, "/api/users", None).await;
        let account =
            json!({"username": "new-reader", "password": "a good password", "roles": ["trainee"]});
        let created = api
            .send(&router, admin, M::POST, "/api/users", Some(account.clone()))
            .await;
        let user = id(&created);
        api.send(&router, admin, M::POST, "/api/users", Some(account))
            .await;
        let roles = json!({"roles": ["trainee", "expert"]});
        api.send(
            &router,
            admin,
            M::PUT,
            &format!("/api/users/{user}/roles"),
            Some(roles),
        )
        .await;
        let disabled = json!({"disabled": true});
        api.send(
            &router,
            admin,
            M::PUT,
            &format!("/api/users/{user}/disabled"),
            Some(disabled),
        )
        .await;
        api.send(&router, admin, M::GET, "/api/audit?limit=5", None)
            .await;
        api.send(&router, admin, M::GET, "/api/audit?limit=0", None)
            .await;

        // The bank and its images.
        api.send(&router, trainee, M::GET, "/api/cases", None).await;
        api.send(&router, None, M::GET, "/api/cases", None).await;
        let case = api
            .send(&router, trainee, M::GET, &format!("/api/cases/{c0}"), None)
            .await;
        let series = case.json()["series_detail"][0]["uid"]
            .as_str()
            .expect("a series")
            .to_owned();
        api.send(
            &router,
            trainee,
            M::GET,
            &format!("/api/series/{series}"),
            None,
        )
        .await;
        let voxels = format!("/api/series/{series}/voxels");
        let sent = api.send(&router, trainee, M::GET, &voxels, None).await;
        let etag = sent.headers[header::ETAG]
            .to_str()
            .expect("an ETag")
            .to_owned();
        let cookie = Some(world.trainee.cookie.as_str());
        let unchanged = get(&router, &voxels, cookie, &[("if-none-match", &etag)]).await;
        assert_eq!(unchanged.status, 304);
        api.check(&M::GET, &voxels, &unchanged);
        for path in [
            format!("/api/series/{series}/frames/0"),
            format!("/api/series/{series}/frames/first"),
            format!("/api/series/{series}/thumbnail.png"),
        ] {
            api.send(&router, trainee, M::GET, &path, None).await;
        }

        // A programme built by its lead.
        api.send(&router, lead, M::GET, "/api/programmes", None)
            .await;
        let new_programme =
            json!({"name": "Second year", "settings": {"reread_intervals_days": [5, 10]}});
        let created = api
            .send(
                &router,
                lead,
                M::POST,
                "/api/programmes",
                Some(new_programme),
            )
            .await;
        let second = id(&created);
        let settings = json!({"match_margin_mm": 4.0});
        api.send(
            &router,
            lead,
            M::PUT,
            &format!("/api/programmes/{second}/settings"),
            Some(settings),
        )
        .await;
        let spare = installation.user_with(&[Role::Trainee]).await;
        let member = json!({"user_id": spare.id, "role": "trainee"});
        api.send(
            &router,
            lead,
            M::POST,
            &format!("/api/programmes/{second}/members"),
            Some(member),
        )
        .await;
        let named = json!({"name": "Winter intake"});
        let created = api
            .send(
                &router,
                lead,
                M::POST,
                &format!("/api/programmes/{second}/cohorts"),
                Some(named),
            )
            .await;
        let second_cohort = id(&created);
        let member = json!({"user_id": spare.id});
        api.send(
            &router,
            lead,
            M::POST,
            &format!("/api/cohorts/{second_cohort}/members"),
            Some(member),
        )
        .await;
        let set = json!({"name": "Revision", "case_ids": [c2]});
        let created = api
            .send(
                &router,
                lead,
                M::POST,
                &format!("/api/programmes/{second}/case-sets"),
                Some(set),
            )
            .await;
        let now = installation.clock.now();
        let assignment = json!({
            "case_set_id": id(&created),
            "cohort_id": second_cohort,
            "opens_at": now,
            "due_at": now + 1000,
        });
        api.send(
            &router,
            lead,
            M::POST,
            &format!("/api/programmes/{second}/assignments"),
            Some(assignment),
        )
        .await;
        api.send(
            &router,
            lead,
            M::GET,
            &format!("/api/programmes/{second}"),
            None,
        )
        .await;

        // A trainee reads case 0 right; an expert gives feedback and files a reference read.
        api.send(&router, trainee, M::GET, "/api/assignments", None)
            .await;
        let start = json!({"case_id": c0});
        let started = api
            .send(
                &router,
                trainee,
                M::POST,
                "/api/attempts",
                Some(start.clone()),
            )
            .await;
        let first = id(&started);
        api.send(&router, trainee, M::POST, "/api/attempts", Some(start))
            .await;
        let draft = json!({"lesions": [{"sectors": ["mid-left-PZpl"], "t2w_score": 4}]});
        let report = format!("/api/attempts/{first}/report");
        api.send(&router, trainee, M::PUT, &report, Some(draft))
            .await;
        let out_of_range = json!({"lesions": [{"t2w_score": 9}]});
        api.send(&router, trainee, M::PUT, &report, Some(out_of_range))
            .await;
        let submit = format!("/api/attempts/{first}/submit");
        let right = correct_report(&world.cases[0].demo.manifest);
        api.send(&router, trainee, M::POST, &submit, Some(right.clone()))
            .await;
        api.send(&router, trainee, M::POST, &submit, Some(right))
            .await;
        let thread = format!("/api/attempts/{first}/messages");
        let question = json!({"kind": "question", "body": "Was the lesion in the right sector?"});
        api.send(&router, trainee, M::POST, &thread, Some(question))
            .await;
        let feedback = json!({
            "kind": "feedback",
            "body": "Yes: see the mark.",
            "marks": [{"series_uid": series, "slice": 3, "lps_mm": [1.0, 2.0, 3.0], "label": "here"}],
        });
        api.send(&router, expert, M::POST, &thread, Some(feedback))
            .await;
        let reference = json!({"lesions": [reported_lesion(4, &["mid-left-PZpl"])]});
        api.send(
            &router,
            expert,
            M::PUT,
            &format!("/api/cases/{c0}/reference-read"),
            Some(reference),
        )
        .await;
        api.send(&router, trainee, M::GET, "/api/unread", None)
            .await;
        let keymap = serde_json::to_value(readroom_viewer_core::Keymap::default()).expect("JSON");
        api.send(
            &router,
            trainee,
            M::PUT,
            "/api/preferences",
            Some(json!({"viewer_keymap": keymap})),
        )
        .await;
        api.send(&router, trainee, M::GET, "/api/preferences", None)
            .await;
        api.send(
            &router,
            trainee,
            M::PUT,
            "/api/preferences",
            Some(json!({"viewer_keymap": {"keys": {"j": "jump"}}})),
        )
        .await;
        api.send(
            &router,
            trainee,
            M::POST,
            &format!("/api/attempts/{first}/read"),
            None,
        )
        .await;
        api.send(
            &router,
            trainee,
            M::GET,
            &format!("/api/attempts/{first}"),
            None,
        )
        .await;
        api.send(
            &router,
            trainee,
            M::GET,
            &format!("/api/cases/{c0}/truth"),
            None,
        )
        .await;
        api.send(
            &router,
            trainee,
            M::GET,
            &format!("/api/cases/{c0}/reference-reads"),
            None,
        )
        .await;
        api.send(
            &router,
            trainee,
            M::GET,
            "/api/attempts/no-such-attempt",
            None,
        )
        .await;

        // Case 1 read wrongly comes back as a re-read, which is compared with the first read.
        let started = api
            .send(
                &router,
                trainee,
                M::POST,
                "/api/attempts",
                Some(json!({"case_id": c1})),
            )
            .await;
        let wrong = wrong_report(&world.cases[1].demo.manifest);
        api.send(
            &router,
            trainee,
            M::POST,
            &format!("/api/attempts/{}/submit", id(&started)),
            Some(wrong),
        )
        .await;
        api.send(&router, trainee, M::GET, "/api/rereads", None)
            .await;
        installation.clock.advance(8 * DAY);
        let started = api
            .send(
                &router,
                trainee,
                M::POST,
                "/api/attempts",
                Some(json!({"case_id": c1})),
            )
            .await;
        let right = correct_report(&world.cases[1].demo.manifest);
        let reread = api
            .send(
                &router,
                trainee,
                M::POST,
                &format!("/api/attempts/{}/submit", id(&started)),
                Some(right),
            )
            .await;
        assert!(
            reread.json()["result"]["agreement_with_first_read"].is_object(),
            "{}",
            reread.text()
        );

        // Following the trainee and the programme.
        api.send(&router, trainee, M::GET, "/api/attempts", None)
            .await;
        api.send(
            &router,
            lead,
            M::GET,
            &format!("/api/attempts?trainee_id={me}"),
            None,
        )
        .await;
        api.send(&router, lead, M::GET, "/api/attempts?trainee=someone", None)
            .await;
        api.send(&router, expert, M::GET, "/api/review-queue", None)
            .await;
        api.send(&router, trainee, M::GET, "/api/review-queue", None)
            .await;
        api.send(
            &router,
            trainee,
            M::GET,
            &format!("/api/trainees/{me}/rolling"),
            None,
        )
        .await;
        let analytics = format!("/api/trainees/{me}/analytics?programme_id={programme}");
        api.send(&router, lead, M::GET, &analytics, None).await;
        let record = api
            .send(
                &router,
                lead,
                M::GET,
                &format!("/api/trainees/{me}/record"),
                None,
            )
            .await;
        let code = record.json()["verification_code"]
            .as_str()
            .expect("a verification code")
            .to_owned();
        let verified = api
            .send(
                &router,
                lead,
                M::GET,
                &format!("/api/trainees/{me}/record/verify?code={code}"),
                None,
            )
            .await;
        assert_eq!(verified.json()["valid"], true, "{}", verified.text());
        api.send(
            &router,
            lead,
            M::GET,
            &format!("/api/trainees/{me}/record/verify?code=not-a-code"),
            None,
        )
        .await;
        api.send(&router, admin, M::GET, "/api/studies", None).await;
        let folder = tempfile::tempdir().expect("temporary folder");
        let broken = folder.path().join("broken.dcm");
        std::fs::write(&broken, b"DICM, but no more").expect("written");
        let summary = installation
            .importer
            .import_paths(&[broken], None, &())
            .await
            .expect("import runs");
        assert_eq!(summary.refused.len(), 1, "{summary:?}");
        let runs = api.send(&router, admin, M::GET, "/api/imports", None).await;
        let run = runs.json()[0]["id"].as_str().expect("a run").to_owned();
        for path in [
            "/api/imports?limit=0".to_owned(),
            "/api/imports?limit=many".to_owned(),
            format!("/api/imports/{run}"),
            format!("/api/imports/{run}?offset=0&limit=1"),
            format!("/api/imports/{run}?offset=-1"),
            "/api/imports/no-such-run".to_owned(),
        ] {
            api.send(&router, admin, M::GET, &path, None).await;
        }
        api.send(&router, trainee, M::GET, "/api/imports", None)
            .await;
        for figures in ["dashboard", "trend"] {
            let path = format!("/api/programmes/{programme}/{figures}");
            api.send(&router, lead, M::GET, &path, None).await;
            let path = format!("/api/cohorts/{cohort}/{figures}");
            api.send(&router, expert, M::GET, &path, None).await;
        }
        for export in ["attempts.csv", "trainees.csv"] {
            let path = format!("/api/programmes/{programme}/export/{export}");
            api.send(&router, lead, M::GET, &path, None).await;
        }

        // Bodies that are not the JSON described: 422 in the API's error shape, naming `body`.
        api.send(
            &router,
            lead,
            M::POST,
            "/api/programmes",
            Some(json!({"title": "No"})),
        )
        .await;
        let not_json = world
            .lead
            .request(M::POST, "/api/programmes")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .expect("request");
        let reply = call(&router, not_json).await;
        api.check(&M::POST, "/api/programmes", &reply);
        let not_declared = world
            .lead
            .request(M::POST, "/api/programmes")
            .body(Body::from(r#"{"name": "No"}"#))
            .expect("request");
        let reply = call(&router, not_declared).await;
        api.check(&M::POST, "/api/programmes", &reply);
        let without_csrf = Request::post("/api/programmes")
            .header(header::COOKIE, &world.lead.cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"name": "No"}"#))
            .expect("request");
        let reply = call(&router, without_csrf).await;
        assert_eq!(reply.status, 403);
        api.check(&M::POST, "/api/programmes", &reply);

        // Last: the document itself, and signing out.
        api.send(&router, None, M::GET, "/api/openapi.json", None)
            .await;
        let wrong_password = json!({"username": world.admin.user.username, "password": "not it"});
        api.send(&router, None, M::POST, "/api/session", Some(wrong_password))
            .await;
        api.send(&router, Some(&signer), M::DELETE, "/api/session", None)
            .await;

        assert!(
            api.problems.is_empty(),
            "{backend:?}: replies the document does not describe:\n{}",
            api.problems.join("\n")
        );
        let never_succeeded: Vec<_> = declared_api_routes()
            .difference(&api.succeeded)
            .cloned()
            .collect();
        assert!(
            never_succeeded.is_empty(),
            "{backend:?}: operations this test never saw succeed: {never_succeeded:?}"
        );
    }
}
