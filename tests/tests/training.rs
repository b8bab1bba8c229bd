//! The training loop through the HTTP API, on both database backends: a trainee reads and
//! submits; an expert gives feedback the trainee sees; a lead follows the cohort; re-reads come
//! back; the truth never leaks before submission.

use std::time::Duration;

use readroom_tests::world::{World, correct_report, reported_lesion, wrong_report};
use readroom_tests::{BACKENDS, Installation};
use serde_json::{Value, json};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn id(reply: &Value) -> String {
    reply["id"].as_str().expect("an id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainee_reads_an_assigned_case_submits_and_sees_the_result() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let trainee = &world.trainee;
        let case = &world.cases[0];

        let given = trainee.get(&router, "/api/assignments").await;
        assert_eq!(given.status, 200, "{}", given.text());
        let given = given.json();
        assert_eq!(given.as_array().map(Vec::len), Some(1));
        assert_eq!(given[0]["cases"][0]["case_id"], case.id.as_str());
        assert_eq!(given[0]["cases"][0]["submitted"], false);
        assert_eq!(given[0]["status"], "open");

        // Only the cases given to them are listed.
        let listed = trainee.get(&router, "/api/cases").await.json();
        let listed: Vec<&str> = listed
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|case| case["id"].as_str())
            .collect();
        assert_eq!(listed.len(), 2, "{backend:?}: {listed:?}");
        assert!(!listed.contains(&world.cases[2].id.as_str()));

        let started = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        assert_eq!(started.status, 201, "{}", started.text());
        let attempt_id = id(&started.json());
        // Starting again returns the same reading.
        let again = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        assert_eq!(again.status, 200);
        assert_eq!(id(&again.json()), attempt_id);

        // A draft may be incomplete; a submission may not, and names each missing field.
        let draft = json!({"lesions": [{"sectors": ["mid-left-PZpl"]}]});
        let saved = trainee
            .put(
                &router,
                &format!("/api/attempts/{attempt_id}/report"),
                draft.clone(),
            )
            .await;
        assert_eq!(saved.status, 200, "{}", saved.text());
        let refused = trainee
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/submit"),
                draft,
            )
            .await;
        assert_eq!(refused.status, 422);
        let fields = refused.json()["error"]["fields"].clone();
        for field in [
            "lesions[0].t2w_score",
            "lesions[0].category",
            "lesions[0].dce",
        ] {
            assert!(fields.get(field).is_some(), "{field} not named in {fields}");
        }
        let out_of_range = trainee
            .put(
                &router,
                &format!("/api/attempts/{attempt_id}/report"),
                json!({"lesions": [{"category": 7}]}),
            )
            .await;
        assert_eq!(out_of_range.status, 422);
        assert!(out_of_range.json()["error"]["fields"]["lesions[0].category"].is_string());
        let stored = trainee
            .get(&router, &format!("/api/attempts/{attempt_id}"))
            .await
            .json();
        assert_eq!(
            stored["report"]["lesions"][0]["sectors"][0],
            "mid-left-PZpl"
        );
        assert!(stored["result"].is_null());

        let submitted = trainee
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/submit"),
                correct_report(&case.demo.manifest),
            )
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text());
        let result = submitted.json();
        assert_eq!(result["correct"], true, "{result}");
        assert_eq!(result["score"]["misses"], 0);
        assert_eq!(
            result["result"]["truth"]["lesions"]
                .as_array()
                .map(Vec::len),
            Some(case.demo.manifest.lesions.len())
        );

        // Submitted is frozen.
        for reply in [
            trainee
                .put(
                    &router,
                    &format!("/api/attempts/{attempt_id}/report"),
                    json!({"lesions": []}),
                )
                .await,
            trainee
                .post(
                    &router,
                    &format!("/api/attempts/{attempt_id}/submit"),
                    wrong_report(&case.demo.manifest),
                )
                .await,
        ] {
            assert_eq!(reply.status, 409, "{}", reply.text());
        }
        let frozen = trainee
            .get(&router, &format!("/api/attempts/{attempt_id}"))
            .await
            .json();
        assert_eq!(frozen["correct"], true);
        assert_eq!(frozen["report"], result["report"]);

        let rolling = trainee
            .get(
                &router,
                &format!("/api/trainees/{}/rolling", trainee.user.id),
            )
            .await
            .json();
        assert_eq!(rolling["first_reads"], 1);
        assert_eq!(rolling["rolling"]["last_20"]["successes"], 1);
        assert_eq!(rolling["rolling"]["last_20"]["n"], 1);
        let given = trainee.get(&router, "/api/assignments").await.json();
        assert_eq!(given[0]["cases"][0]["submitted"], true);
        assert_eq!(given[0]["status"], "open", "one case of two is left");
        installation.clock.advance(31 * DAY);
        let late = trainee.get(&router, "/api/assignments").await.json();
        assert_eq!(late[0]["status"], "overdue");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expert_gives_feedback_the_trainee_sees_and_answers_questions() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let (trainee, expert) = (&world.trainee, &world.expert);
        let case = &world.cases[0];
        let attempt = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        let attempt_id = id(&attempt.json());
        let submitted = trainee
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/submit"),
                wrong_report(&case.demo.manifest),
            )
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text());

        let queue = expert.get(&router, "/api/review-queue").await;
        assert_eq!(queue.status, 200, "{}", queue.text());
        let queue = queue.json();
        assert_eq!(queue[0]["attempt_id"], attempt_id.as_str(), "{queue}");
        assert_eq!(queue[0]["disagrees_with_histology"], true);
        assert_eq!(queue[0]["awaiting_feedback"], true);

        let feedback = expert
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/messages"),
                json!({
                    "kind": "feedback",
                    "body": "Look at the low ADC signal here.",
                    "marks": [{"series_uid": "1.2.3", "slice": 9, "lps_mm": [1.0, 2.0, 3.0], "label": "ADC"}]
                }),
            )
            .await;
        assert_eq!(feedback.status, 201, "{}", feedback.text());
        assert!(expert.get(&router, "/api/review-queue").await.json()[0].is_null());

        let unread = trainee.get(&router, "/api/unread").await.json();
        assert_eq!(unread["total"], 1, "{unread}");
        let seen = trainee
            .get(&router, &format!("/api/attempts/{attempt_id}"))
            .await
            .json();
        let messages = &seen["result"]["messages"];
        assert_eq!(messages[0]["kind"], "feedback");
        assert_eq!(messages[0]["marks"][0]["slice"], 9);
        let read = trainee
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/read"),
                json!({}),
            )
            .await;
        assert_eq!(read.status, 204, "{}", read.text());
        assert_eq!(trainee.get(&router, "/api/unread").await.json()["total"], 0);

        // The trainee asks; the question waits in the expert's queue until answered.
        let question = trainee
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/messages"),
                json!({"kind": "question", "body": "Would DCE have changed the category?"}),
            )
            .await;
        assert_eq!(question.status, 201, "{}", question.text());
        assert_eq!(expert.get(&router, "/api/unread").await.json()["total"], 1);
        let queue = expert.get(&router, "/api/review-queue").await.json();
        assert_eq!(queue[0]["open_question"], true, "{queue}");
        let answer = expert
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/messages"),
                json!({"kind": "answer", "body": "No: DCE only upgrades a DWI 3 in the PZ."}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        assert!(expert.get(&router, "/api/review-queue").await.json()[0].is_null());
        assert_eq!(trainee.get(&router, "/api/unread").await.json()["total"], 1);

        // A trainee cannot give feedback, nor an expert ask on the trainee's behalf.
        for (session, kind) in [(trainee, "feedback"), (expert, "question")] {
            let refused = session
                .post(
                    &router,
                    &format!("/api/attempts/{attempt_id}/messages"),
                    json!({"kind": kind, "body": "x"}),
                )
                .await;
            assert_eq!(refused.status, 403);
        }
        let empty = expert
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/messages"),
                json!({"kind": "feedback", "body": "  "}),
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.json()["error"]["fields"]["body"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_follows_the_cohort_and_exports_it() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let (trainee, lead) = (&world.trainee, &world.lead);
        let cohort_path = format!("/api/cohorts/{}/dashboard", world.programme.cohort_id);

        let before = lead.get(&router, &cohort_path).await;
        assert_eq!(before.status, 200, "{}", before.text());
        let before = before.json();
        assert_eq!(before["rows"][0]["trainee_id"], trainee.user.id.as_str());
        assert_eq!(before["rows"][0]["cases_read"], 0);

        for (case, report) in [
            (
                &world.cases[0],
                correct_report(&world.cases[0].demo.manifest),
            ),
            (&world.cases[1], wrong_report(&world.cases[1].demo.manifest)),
        ] {
            let attempt = trainee
                .post(&router, "/api/attempts", json!({"case_id": case.id}))
                .await;
            let submitted = trainee
                .post(
                    &router,
                    &format!("/api/attempts/{}/submit", id(&attempt.json())),
                    report,
                )
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text());
        }

        let after = lead.get(&router, &cohort_path).await.json();
        let row = &after["rows"][0];
        assert_eq!(row["cases_read"], 2, "{after}");
        assert_eq!(row["rolling"]["last_20"]["successes"], 1);
        assert_eq!(row["rolling"]["last_20"]["n"], 2);
        assert_eq!(row["rolling"]["last_50"]["value"], 0.5);
        assert_eq!(after["figures"]["first_reads"], 2);
        // The wrong read of case 1 missed its significant lesions, if it has any.
        let missed = &world.cases[1].demo.manifest;
        let mut expected: Vec<(String, i64)> = Vec::new();
        for lesion in missed
            .lesions
            .iter()
            .filter(|l| l.is_significant(missed.significant_from_isup))
        {
            for sector in &lesion.sectors {
                match expected
                    .iter_mut()
                    .find(|(name, _)| *name == sector.to_string())
                {
                    Some((_, misses)) => *misses += 1,
                    None => expected.push((sector.to_string(), 1)),
                }
            }
        }
        let mut reported: Vec<(String, i64)> =
            serde_json::from_value(after["misses_by_sector"].clone()).expect("sector, misses");
        reported.sort();
        expected.sort();
        assert_eq!(reported, expected, "{after}");

        let analytics = lead
            .get(
                &router,
                &format!("/api/trainees/{}/analytics", trainee.user.id),
            )
            .await;
        assert_eq!(analytics.status, 200, "{}", analytics.text());
        let analytics = analytics.json();
        assert_eq!(analytics["first_reads"], 2);
        assert_eq!(analytics["over_time"].as_array().map(Vec::len), Some(2));
        assert_eq!(analytics["over_time"][1]["rolling"]["last_20"]["n"], 2);
        assert_eq!(
            analytics["cusum"]["values"].as_array().map(Vec::len),
            Some(2)
        );

        let csv = lead
            .get(
                &router,
                &format!("/api/programmes/{}/export/trainees.csv", world.programme.id),
            )
            .await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
        let text = csv.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("trainee_id,username"), "{text}");
        assert!(lines[1].contains(&trainee.user.username), "{text}");
        let attempts_csv = lead
            .get(
                &router,
                &format!("/api/programmes/{}/export/attempts.csv", world.programme.id),
            )
            .await
            .text();
        assert_eq!(attempts_csv.lines().count(), 3, "{attempts_csv}");

        let audit = world.admin.get(&router, "/api/audit").await.json();
        let actions: Vec<&str> = audit
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|entry| entry["action"].as_str())
            .collect();
        assert!(actions.contains(&"submit"), "{actions:?}");
        assert!(actions.contains(&"export"), "{actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_read_wrongly_comes_back_as_a_blinded_reread_that_rolling_accuracy_ignores() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let trainee = &world.trainee;
        let case = &world.cases[0];
        let first = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        let first_id = id(&first.json());
        trainee
            .post(
                &router,
                &format!("/api/attempts/{first_id}/submit"),
                wrong_report(&case.demo.manifest),
            )
            .await;

        let rereads = trainee.get(&router, "/api/rereads").await.json();
        assert_eq!(rereads[0]["case_id"], case.id.as_str(), "{rereads}");
        assert_eq!(rereads[0]["due"], false);
        let early = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        assert_eq!(early.status, 409, "{}", early.text());

        installation.clock.advance(7 * DAY);
        assert_eq!(
            trainee.get(&router, "/api/rereads").await.json()[0]["due"],
            true
        );
        let reread = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        assert_eq!(reread.status, 201, "{}", reread.text());
        let reread = reread.json();
        assert_eq!(reread["reread_number"], 1);
        let reread_id = id(&reread);
        let blinded = trainee
            .get(&router, &format!("/api/attempts/{reread_id}"))
            .await
            .json();
        assert!(blinded["result"].is_null());
        assert_eq!(blinded["report"]["lesions"], json!([]));

        let scored = trainee
            .post(
                &router,
                &format!("/api/attempts/{reread_id}/submit"),
                correct_report(&case.demo.manifest),
            )
            .await
            .json();
        assert_eq!(scored["correct"], true, "{scored}");
        let agreement = &scored["result"]["agreement_with_first_read"];
        assert_eq!(agreement["first_attempt_id"], first_id.as_str());
        assert_eq!(agreement["same_correctness"], false);

        // Rolling accuracy counts the first read only.
        let rolling = trainee
            .get(
                &router,
                &format!("/api/trainees/{}/rolling", trainee.user.id),
            )
            .await
            .json();
        assert_eq!(rolling["first_reads"], 1);
        assert_eq!(rolling["rolling"]["last_20"]["successes"], 0);
        let analytics = trainee
            .get(
                &router,
                &format!("/api/trainees/{}/analytics", trainee.user.id),
            )
            .await
            .json();
        assert_eq!(analytics["rereads"]["rereads"], 1);
        assert_eq!(analytics["rereads"]["same_correctness"], 0);

        // The next re-read comes 21 days after the first read.
        let next = trainee.get(&router, "/api/rereads").await.json();
        assert_eq!(next[0]["reread_number"], 2);
        assert_eq!(next[0]["due"], false);
    }
}

/// Strings that only a case's truth, its feedback or its reference read contain.
fn hidden_markers(world: &World) -> Vec<String> {
    let mut markers = vec![
        "isup_grade_group".to_owned(),
        "centre_lps_mm".to_owned(),
        "teaching_notes".to_owned(),
        "REFERENCE-READ-MARKER".to_owned(),
        "FEEDBACK-MARKER".to_owned(),
    ];
    if let Some(notes) = &world.cases[1].demo.manifest.teaching_notes {
        markers.push(notes.clone());
    }
    markers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_response_to_a_trainee_carries_truth_feedback_or_reference_reads_before_submission() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let trainee = &world.trainee;
        let case = &world.cases[1];

        // An expert's reference read of the case, and feedback on another trainee's reading of
        // it, both exist before our trainee submits.
        let mut reference = reported_lesion(4, &["mid-left-PZpl"]);
        reference["size_mm"] = json!(10.0);
        let filed = world
            .expert
            .put(
                &router,
                &format!("/api/cases/{}/reference-read", case.id),
                json!({"lesions": [reference], "comment": "REFERENCE-READ-MARKER"}),
            )
            .await;
        assert_eq!(filed.status, 200, "{}", filed.text());
        let classmate = installation.signed_in(readroom_domain::Role::Trainee).await;
        world
            .lead
            .post(
                &router,
                &format!("/api/programmes/{}/members", world.programme.id),
                json!({"user_id": classmate.user.id, "role": "trainee"}),
            )
            .await;
        world
            .lead
            .post(
                &router,
                &format!("/api/cohorts/{}/members", world.programme.cohort_id),
                json!({"user_id": classmate.user.id}),
            )
            .await;
        let theirs = classmate
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        let theirs = id(&theirs.json());
        classmate
            .post(
                &router,
                &format!("/api/attempts/{theirs}/submit"),
                wrong_report(&case.demo.manifest),
            )
            .await;
        let feedback = world
            .expert
            .post(
                &router,
                &format!("/api/attempts/{theirs}/messages"),
                json!({"kind": "feedback", "body": "FEEDBACK-MARKER"}),
            )
            .await;
        assert_eq!(feedback.status, 201);

        let started = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        let mine = id(&started.json());
        let detail = trainee
            .get(&router, &format!("/api/cases/{}", case.id))
            .await
            .json();
        let series_uid = detail["series_detail"][0]["uid"]
            .as_str()
            .expect("a series")
            .to_owned();
        let me = &trainee.user.id;
        let paths = [
            "/api/session".to_owned(),
            "/api/cases".to_owned(),
            format!("/api/cases/{}", case.id),
            format!("/api/cases/{}/truth", case.id),
            format!("/api/cases/{}/reference-reads", case.id),
            format!("/api/series/{series_uid}"),
            "/api/programmes".to_owned(),
            format!("/api/programmes/{}", world.programme.id),
            "/api/assignments".to_owned(),
            "/api/rereads".to_owned(),
            "/api/attempts".to_owned(),
            format!("/api/attempts?trainee_id={me}"),
            format!("/api/attempts/{mine}"),
            format!("/api/attempts/{theirs}"),
            format!("/api/attempts?trainee_id={}", classmate.user.id),
            "/api/unread".to_owned(),
            "/api/review-queue".to_owned(),
            format!("/api/trainees/{me}/rolling"),
            format!("/api/trainees/{me}/analytics"),
            format!("/api/cohorts/{}/dashboard", world.programme.cohort_id),
        ];
        let markers = hidden_markers(&world);
        for path in &paths {
            let reply = trainee.get(&router, path).await;
            let text = reply.text();
            for marker in &markers {
                assert!(
                    !text.contains(marker.as_str()),
                    "{backend:?}: {path} ({}) carries `{marker}`: {text}",
                    reply.status
                );
            }
        }
        for path in [
            format!("/api/cases/{}/truth", case.id),
            format!("/api/cases/{}/reference-reads", case.id),
            format!("/api/attempts/{theirs}"),
        ] {
            assert_eq!(trainee.get(&router, &path).await.status, 403, "{path}");
        }

        // After submitting, the same trainee gets the truth and the reference read.
        let submitted = trainee
            .post(
                &router,
                &format!("/api/attempts/{mine}/submit"),
                correct_report(&case.demo.manifest),
            )
            .await;
        let text = submitted.text();
        assert!(text.contains("isup_grade_group"), "{text}");
        assert!(text.contains("REFERENCE-READ-MARKER"), "{text}");
        assert!(
            !text.contains("FEEDBACK-MARKER"),
            "another trainee's feedback: {text}"
        );
        assert_eq!(
            trainee
                .get(&router, &format!("/api/cases/{}/truth", case.id))
                .await
                .status,
            200
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescoring_after_a_settings_change_recomputes_every_score_from_stored_reports() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let trainee = &world.trainee;
        // Find a positive case among those given, and report its lesions as PI-RADS 3.
        let case = world.cases[..2]
            .iter()
            .find(|case| case.demo.manifest.is_positive())
            .expect("a positive demo case among the first two");
        let mut report = correct_report(&case.demo.manifest);
        for lesion in report["lesions"].as_array_mut().expect("lesions") {
            lesion["category"] = json!(3);
            lesion["t2w_score"] = json!(3);
            lesion["dwi_score"] = json!(3);
        }
        let attempt = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        let attempt_id = id(&attempt.json());
        let scored = trainee
            .post(
                &router,
                &format!("/api/attempts/{attempt_id}/submit"),
                report,
            )
            .await
            .json();
        assert_eq!(scored["correct"], true, "{scored}");

        // The programme now counts PI-RADS ≥ 4 as positive: the same report becomes a miss.
        let settings = world
            .lead
            .put(
                &router,
                &format!("/api/programmes/{}/settings", world.programme.id),
                json!({"positive_from_category": 4}),
            )
            .await;
        assert_eq!(settings.status, 200, "{}", settings.text());
        let bad = world
            .lead
            .put(
                &router,
                &format!("/api/programmes/{}/settings", world.programme.id),
                json!({"positive_from_category": 9}),
            )
            .await;
        assert_eq!(bad.status, 422);
        let changed = readroom_server::rescore_all(&installation.store)
            .await
            .expect("rescore runs");
        assert_eq!(changed, 1);
        let after = trainee
            .get(&router, &format!("/api/attempts/{attempt_id}"))
            .await
            .json();
        assert_eq!(after["correct"], false, "{after}");
        assert_eq!(
            after["report"], scored["report"],
            "the report never changes"
        );
        let rolling = trainee
            .get(
                &router,
                &format!("/api/trainees/{}/rolling", trainee.user.id),
            )
            .await
            .json();
        assert_eq!(rolling["rolling"]["last_20"]["successes"], 0);
        assert_eq!(
            readroom_server::rescore_all(&installation.store)
                .await
                .expect("rescore runs"),
            0,
            "a second rescore changes nothing"
        );
    }
}

/// Misses by sector, feedback turnaround, and (trainee id, first reads, last-20 successes) per
/// trainee: what the tests compare of a dashboard.
type DashboardFigures = (Vec<(String, i64)>, Value, Vec<(String, i64, i64)>);

/// What a group's dashboard shows, computed from scratch from every attempt and thread the
/// lead can read: misses by sector (most missed first), feedback turnaround (n, median, 90th
/// percentile, from the waits counted in the same buckets), and each trainee's first reads and
/// last-20 successes.
async fn dashboard_from_scratch(
    router: &axum::Router,
    lead: &readroom_tests::Session,
    trainee_ids: &[String],
) -> DashboardFigures {
    let mut misses = std::collections::BTreeMap::<String, i64>::new();
    let mut waits = Vec::new();
    let mut rows = Vec::new();
    for trainee_id in trainee_ids {
        let attempts = lead
            .get(router, &format!("/api/attempts?trainee_id={trainee_id}"))
            .await
            .json();
        let mut first_reads: Vec<&Value> = attempts
            .as_array()
            .expect("a list")
            .iter()
            .filter(|a| a["reread_number"] == 0 && a["submitted_at"].is_i64())
            .collect();
        first_reads.sort_by_key(|a| a["submitted_at"].as_i64());
        for attempt in &first_reads {
            for sector in attempt["score"]["missed_sectors"]
                .as_array()
                .expect("missed sectors")
            {
                *misses
                    .entry(sector.as_str().expect("a sector").to_owned())
                    .or_default() += 1;
            }
            let detail = lead
                .get(router, &format!("/api/attempts/{}", id(attempt)))
                .await
                .json();
            let first_feedback = detail["result"]["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .filter(|m| m["kind"] == "feedback")
                .filter_map(|m| m["created_at"].as_i64())
                .min();
            if let Some(at) = first_feedback {
                waits.push(at - attempt["submitted_at"].as_i64().expect("submitted"));
            }
        }
        let last_20 = first_reads
            .iter()
            .rev()
            .take(20)
            .filter(|a| a["correct"] == true)
            .count();
        rows.push((trainee_id.clone(), first_reads.len() as i64, last_20 as i64));
    }
    let mut misses: Vec<(String, i64)> = misses.into_iter().collect();
    misses.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
    let mut buckets = std::collections::BTreeMap::<i64, u64>::new();
    for wait in &waits {
        *buckets
            .entry(readroom_scoring::wait_bucket(*wait))
            .or_default() += 1;
    }
    let buckets: Vec<(i64, u64)> = buckets.into_iter().collect();
    let median = readroom_scoring::bucketed_percentile(&buckets, 50.0);
    // The histogram's median is within 4.5% of the exact one.
    let mut exact: Vec<f64> = waits.iter().map(|wait| *wait as f64).collect();
    if let (Some(estimate), Some(exact)) = (median, readroom_scoring::median(&mut exact)) {
        assert!(
            (estimate / exact - 1.0).abs() <= 0.045,
            "{estimate} {exact}"
        );
    }
    let turnaround = json!({
        "n": waits.len(),
        "median_ms": median,
        "p90_ms": readroom_scoring::bucketed_percentile(&buckets, 90.0),
    });
    rows.sort();
    (misses, turnaround, rows)
}

#[track_caller]
fn assert_dashboard_is(dashboard: &Value, expected: &DashboardFigures) {
    let misses: Vec<(String, i64)> =
        serde_json::from_value(dashboard["misses_by_sector"].clone()).expect("sector, misses");
    assert_eq!(misses, expected.0, "{dashboard}");
    assert_eq!(dashboard["feedback_turnaround"], expected.1, "{dashboard}");
    let mut rows: Vec<(String, i64, i64)> = dashboard["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row["trainee_id"].as_str().expect("id").to_owned(),
                row["cases_read"].as_i64().expect("cases read"),
                row["rolling"]["last_20"]["successes"]
                    .as_i64()
                    .expect("successes"),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(rows, expected.2, "{dashboard}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_kept_as_running_data_equal_a_computation_from_scratch_even_after_rescore() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let (lead, expert) = (&world.lead, &world.expert);
        let mut trainees = vec![&world.trainee];
        let more = [
            installation.signed_in(readroom_domain::Role::Trainee).await,
            installation.signed_in(readroom_domain::Role::Trainee).await,
            installation.signed_in(readroom_domain::Role::Trainee).await,
        ];
        for trainee in &more {
            let enrolled = lead
                .post(
                    &router,
                    &format!("/api/programmes/{}/members", world.programme.id),
                    json!({"user_id": trainee.user.id, "role": "trainee"}),
                )
                .await;
            assert_eq!(enrolled.status, 201, "{}", enrolled.text());
            let placed = lead
                .post(
                    &router,
                    &format!("/api/cohorts/{}/members", world.programme.cohort_id),
                    json!({"user_id": trainee.user.id}),
                )
                .await;
            assert_eq!(placed.status, 201, "{}", placed.text());
            trainees.push(trainee);
        }
        // Each trainee reads both cases, right or wrong in turn; the expert answers some reads
        // after waits from minutes to days, some twice, and a trainee asks a question.
        let mut turn = 0;
        for trainee in &trainees {
            for case in &world.cases[..2] {
                turn += 1;
                let report = if turn % 3 == 0 {
                    correct_report(&case.demo.manifest)
                } else {
                    wrong_report(&case.demo.manifest)
                };
                let attempt = trainee
                    .post(&router, "/api/attempts", json!({"case_id": case.id}))
                    .await;
                let attempt_id = id(&attempt.json());
                let submitted = trainee
                    .post(
                        &router,
                        &format!("/api/attempts/{attempt_id}/submit"),
                        report,
                    )
                    .await;
                assert_eq!(submitted.status, 200, "{}", submitted.text());
                if turn % 4 == 0 {
                    continue;
                }
                installation
                    .clock
                    .advance(Duration::from_secs(600 * turn * turn));
                let thread = format!("/api/attempts/{attempt_id}/messages");
                let feedback = json!({"kind": "feedback", "body": "See the ADC map."});
                let posted = expert.post(&router, &thread, feedback.clone()).await;
                assert_eq!(posted.status, 201, "{}", posted.text());
                if turn % 3 == 1 {
                    installation.clock.advance(DAY);
                    expert.post(&router, &thread, feedback).await;
                    let question = json!({"kind": "question", "body": "Why?"});
                    trainee.post(&router, &thread, question).await;
                }
            }
        }
        let trainee_ids: Vec<String> = trainees.iter().map(|t| t.user.id.clone()).collect();
        let cohort = format!("/api/cohorts/{}/dashboard", world.programme.cohort_id);
        let programme = format!("/api/programmes/{}/dashboard", world.programme.id);

        let expected = dashboard_from_scratch(&router, lead, &trainee_ids).await;
        assert_eq!(expected.1["n"], 6, "{:?}", expected.1);
        assert!(!expected.0.is_empty(), "some wrong reads miss lesions");
        for path in [&cohort, &programme] {
            assert_dashboard_is(&lead.get(&router, path).await.json(), &expected);
        }

        // Rescoring with another threshold changes scores; the dashboards follow.
        let settings = lead
            .put(
                &router,
                &format!("/api/programmes/{}/settings", world.programme.id),
                json!({"positive_from_category": 5}),
            )
            .await;
        assert_eq!(settings.status, 200, "{}", settings.text());
        let changed = readroom_server::rescore_all(&installation.store)
            .await
            .expect("rescore runs");
        assert!(changed > 0);
        let rescored = dashboard_from_scratch(&router, lead, &trainee_ids).await;
        assert_ne!(rescored.2, expected.2, "the rescore changed who was right");
        for path in [&cohort, &programme] {
            assert_dashboard_is(&lead.get(&router, path).await.json(), &rescored);
        }
        // As does the rebuild an upgrade runs.
        installation
            .store
            .rebuild_derived()
            .await
            .expect("rebuild runs");
        for path in [&cohort, &programme] {
            assert_dashboard_is(&lead.get(&router, path).await.json(), &rescored);
        }
    }
}

/// Starts a reading of `case` (a first read, or the re-read that is due) and submits a report
/// that is right or wrong.
async fn read(
    router: &axum::Router,
    who: &readroom_tests::Session,
    case: &readroom_tests::world::BankCase,
    correct: bool,
) {
    let report = if correct {
        correct_report(&case.demo.manifest)
    } else {
        wrong_report(&case.demo.manifest)
    };
    let attempt = who
        .post(router, "/api/attempts", json!({"case_id": case.id}))
        .await;
    assert!(attempt.status.is_success(), "{}", attempt.text());
    let attempt_id = id(&attempt.json());
    let submitted = who
        .post(
            router,
            &format!("/api/attempts/{attempt_id}/submit"),
            report,
        )
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    assert_eq!(submitted.json()["score"]["correct"], correct);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboards_trend_counts_the_groups_first_reads_week_by_week() {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let world = World::new(&installation).await;
        let lead = &world.lead;
        let second = installation.signed_in(readroom_domain::Role::Trainee).await;
        for (path, body) in [
            (
                format!("/api/programmes/{}/members", world.programme.id),
                json!({"user_id": second.user.id, "role": "trainee"}),
            ),
            (
                format!("/api/cohorts/{}/members", world.programme.cohort_id),
                json!({"user_id": second.user.id}),
            ),
        ] {
            let added = lead.post(&router, &path, body).await;
            assert_eq!(added.status, 201, "{}", added.text());
        }
        let cohort = format!("/api/cohorts/{}/trend", world.programme.cohort_id);
        let programme = format!("/api/programmes/{}/trend", world.programme.id);
        for path in [&cohort, &programme] {
            let trend = lead.get(&router, path).await.json();
            assert_eq!(trend, json!([]), "nothing read yet: {trend}");
        }

        // To 01:00 UTC on the next Monday: 1970-01-01 was a Thursday (weekday 3 from Monday).
        let now = installation.clock.now();
        let days = now / DAY_MS;
        let monday = (days - (days + 3) % 7 + 7) * DAY_MS;
        installation
            .clock
            .advance(Duration::from_millis((monday + 3_600_000 - now) as u64));
        // Week 1: the first trainee right then wrong, the second right; a trainee of another
        // programme reads too, and is in neither group.
        read(&router, &world.trainee, &world.cases[0], true).await;
        read(&router, &world.trainee, &world.cases[1], false).await;
        installation
            .clock
            .advance(Duration::from_secs(2 * 24 * 3600));
        read(&router, &second, &world.cases[0], true).await;
        read(&router, &world.other_trainee, &world.cases[2], false).await;
        // Week 2: nothing. Week 3: the second trainee wrong, and the first trainee's re-read
        // of the case read wrongly (due after 7 days), which is not a first read.
        installation
            .clock
            .advance(Duration::from_secs(12 * 24 * 3600));
        read(&router, &second, &world.cases[1], false).await;
        read(&router, &world.trainee, &world.cases[1], true).await;

        // Week 1: 2 of 3, Wilson 95% (z = 1.959964): centre (2/3 + z²/6) / (1 + z²/3) =
        // 0.573084, half-width z·sqrt(2/27 + z²/36) / (1 + z²/3) = 0.365424. Week 3: 0 of 1,
        // from 0 to 2·(z²/2) / (1 + z²) = 0.793451.
        let expected = [
            (monday, 3, 2, 2, (0.666_667, 0.207_660, 0.938_508)),
            (monday + 14 * DAY_MS, 1, 0, 1, (0.0, 0.0, 0.793_451)),
        ];
        for path in [&cohort, &programme] {
            let trend = lead.get(&router, path).await.json();
            let trend = trend.as_array().expect("a trend");
            assert_eq!(trend.len(), expected.len(), "{backend:?} {path}: {trend:?}");
            for (point, (start, reads, correct, trainees, accuracy)) in trend.iter().zip(expected) {
                assert_eq!(point["start"], start, "{point}");
                assert_eq!(point["reads"], reads, "{point}");
                assert_eq!(point["correct"], correct, "{point}");
                assert_eq!(point["trainees"], trainees, "{point}");
                assert_eq!(point["accuracy"]["successes"], correct, "{point}");
                assert_eq!(point["accuracy"]["n"], reads, "{point}");
                let (value, low, high) = accuracy;
                for (key, want) in [("value", value), ("low", low), ("high", high)] {
                    let got = point["accuracy"][key].as_f64().expect("a number");
                    assert!(
                        (got - want).abs() < 1e-5,
                        "{key}: {got} against {want}: {point}"
                    );
                }
            }
        }
    }
}
