//! Training records: what they count, and that their verification code holds exactly while the
//! record is what the server holds — later reads do not change an earlier record, and a code
//! with one digit changed does not verify.

use readroom_tests::world::{World, correct_report, wrong_report};
use readroom_tests::{Backend, Installation};
use std::time::Duration;

use serde_json::json;

const MINUTE: i64 = 60 * 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_counts_the_reads_and_its_code_verifies_until_it_is_altered() {
    let installation = Installation::new(Backend::Sqlite).await;
    let router = installation.router();
    let world = World::new(&installation).await;
    let (trainee, lead) = (&world.trainee, &world.lead);
    let me = trainee.user.id.clone();

    // Two first reads, one right and one wrong, each taking three minutes.
    for (case, right) in [(&world.cases[0], true), (&world.cases[1], false)] {
        let started = trainee
            .post(&router, "/api/attempts", json!({"case_id": case.id}))
            .await;
        let id = started.json()["id"].as_str().expect("id").to_owned();
        installation.clock.advance(Duration::from_secs(180));
        let report = if right {
            correct_report(&case.demo.manifest)
        } else {
            wrong_report(&case.demo.manifest)
        };
        let submitted = trainee
            .post(&router, &format!("/api/attempts/{id}/submit"), report)
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text());
    }
    let record = lead
        .get(&router, &format!("/api/trainees/{me}/record"))
        .await;
    assert_eq!(record.status, 200, "{}", record.text());
    let record = record.json();
    assert_eq!(record["cases_read"], 2);
    assert_eq!(record["first_reads"], 2);
    assert_eq!(record["accuracy"]["successes"], 1);
    // The clock runs on between the calls: six minutes and the few milliseconds they took.
    let spent = record["time_spent_ms"].as_i64().expect("time spent");
    assert!((6 * MINUTE..7 * MINUTE).contains(&spent), "{spent}");
    assert_eq!(record["reads"].as_array().map(Vec::len), Some(2));
    let code = record["verification_code"]
        .as_str()
        .expect("a code")
        .to_owned();

    // A later read (the wrong one, back as a re-read after its 7 days) leaves the record as of
    // the first moment, and its code, as they were.
    installation
        .clock
        .advance(Duration::from_secs(8 * 24 * 3600));
    let started = trainee
        .post(
            &router,
            "/api/attempts",
            json!({"case_id": world.cases[1].id}),
        )
        .await;
    let id = started.json()["id"].as_str().expect("id").to_owned();
    let reread = trainee
        .post(
            &router,
            &format!("/api/attempts/{id}/submit"),
            correct_report(&world.cases[1].demo.manifest),
        )
        .await;
    assert_eq!(reread.status, 200, "{}", reread.text());
    let verify = |code: String| {
        let router = router.clone();
        let me = me.clone();
        async move {
            lead.get(
                &router,
                &format!("/api/trainees/{me}/record/verify?code={code}"),
            )
            .await
        }
    };
    let verified = verify(code.clone()).await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert_eq!(verified.json()["valid"], true, "{}", verified.text());
    assert_eq!(verified.json()["record"]["first_reads"], 2);
    let now = lead
        .get(&router, &format!("/api/trainees/{me}/record"))
        .await
        .json();
    assert_eq!(
        (now["first_reads"].clone(), now["rereads"].clone()),
        (json!(2), json!(1))
    );
    assert_ne!(now["verification_code"], code.as_str());

    // One digit changed: not valid.
    let last = code.chars().last().expect("a digit");
    let tampered = format!(
        "{}{}",
        &code[..code.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    assert_eq!(verify(tampered).await.json()["valid"], false);
    // Not a code, or a moment to come: refused, naming the field.
    for wrong in ["RR1-ZZ", "RR1-ZZZZZZZZZ-0123456789ABCDEF"] {
        let reply = verify(wrong.to_owned()).await;
        assert_eq!(reply.status, 422, "{wrong}: {}", reply.text());
        assert!(reply.json()["error"]["fields"]["code"].is_string());
    }
    let future = installation.clock.now() + MINUTE;
    let reply = lead
        .get(
            &router,
            &format!("/api/trainees/{me}/record?as_of={future}"),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text());
    // Another programme's trainee may not see it.
    let reply = world
        .other_trainee
        .get(&router, &format!("/api/trainees/{me}/record"))
        .await;
    assert_eq!(reply.status, 403);
}
