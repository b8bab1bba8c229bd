//! A small training world built through the API, as a lead would build it: demo cases in the
//! bank, programme A (a lead, an expert, a trainee in a cohort, a case set assigned to it) and
//! programme B (another lead and trainee), and an administrator. The training-loop tests, the
//! authorisation matrix and the benchmarks start from it.

use readroom_cases::DemoCase;
use readroom_domain::{CaseManifest, Role, TruthManifest};
use readroom_import::Source;
use serde_json::{Value, json};

use crate::{Installation, Session};

/// A demo case imported into the bank.
pub struct BankCase {
    pub id: String,
    pub demo: DemoCase,
}

/// Imports the demo cases of the shipped seed with these indices, in one recorded import run.
pub async fn import_demo_cases(installation: &Installation, indices: &[usize]) -> Vec<BankCase> {
    let demos: Vec<DemoCase> = indices
        .iter()
        .map(|index| readroom_cases::generate_case(readroom_cases::DEFAULT_SEED, *index))
        .collect();
    let sources = demos
        .iter()
        .flat_map(|demo| &demo.files)
        .map(|file| Source::in_memory(file.name.clone(), file.bytes.clone()))
        .collect();
    let manifest = TruthManifest {
        cases: demos.iter().map(|demo| demo.manifest.clone()).collect(),
    };
    let importer = &installation.importer;
    let summary = importer
        .recorded(
            &format!("{} demo cases", demos.len()),
            importer.import(sources, Some(&manifest), &()),
        )
        .await
        .expect("import runs");
    assert!(summary.refused.is_empty(), "{:?}", summary.refused);
    let stored = installation.store.list_cases().await.expect("case list");
    demos
        .into_iter()
        .map(|demo| {
            let id = stored
                .iter()
                .find(|case| case.title == demo.manifest.title)
                .expect("the imported case is listed")
                .id
                .clone();
            BankCase { id, demo }
        })
        .collect()
}

/// A programme set up by its lead: one cohort, one case set, assigned and open now.
pub struct ProgrammeIds {
    pub id: String,
    pub cohort_id: String,
    pub case_set_id: String,
    pub assignment_id: String,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Creates a programme through the API: enrols the experts and trainees, puts the trainees in a
/// cohort, and assigns them `case_ids`, open from now for 30 days.
pub async fn set_up_programme(
    installation: &Installation,
    lead: &Session,
    experts: &[&Session],
    trainees: &[&Session],
    case_ids: &[String],
) -> ProgrammeIds {
    let router = installation.router();
    let created = lead
        .post(
            &router,
            "/api/programmes",
            json!({"name": "Prostate MRI year 1"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().expect("id").to_owned();
    for (sessions, role) in [(experts, Role::Expert), (trainees, Role::Trainee)] {
        for session in sessions {
            let reply = lead
                .post(
                    &router,
                    &format!("/api/programmes/{id}/members"),
                    json!({"user_id": session.user.id, "role": role}),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.text());
        }
    }
    let cohort = lead
        .post(
            &router,
            &format!("/api/programmes/{id}/cohorts"),
            json!({"name": "Autumn intake"}),
        )
        .await;
    assert_eq!(cohort.status, 201, "{}", cohort.text());
    let cohort_id = cohort.json()["id"].as_str().expect("id").to_owned();
    for trainee in trainees {
        let reply = lead
            .post(
                &router,
                &format!("/api/cohorts/{cohort_id}/members"),
                json!({"user_id": trainee.user.id}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let set = lead
        .post(
            &router,
            &format!("/api/programmes/{id}/case-sets"),
            json!({"name": "Foundations", "case_ids": case_ids}),
        )
        .await;
    assert_eq!(set.status, 201, "{}", set.text());
    let case_set_id = set.json()["id"].as_str().expect("id").to_owned();
    let now = installation.clock.now();
    let assignment = lead
        .post(
            &router,
            &format!("/api/programmes/{id}/assignments"),
            json!({
                "case_set_id": case_set_id,
                "cohort_id": cohort_id,
                "opens_at": now - 1000,
                "due_at": now + 30 * DAY_MS,
            }),
        )
        .await;
    assert_eq!(assignment.status, 201, "{}", assignment.text());
    ProgrammeIds {
        id,
        cohort_id,
        case_set_id,
        assignment_id: assignment.json()["id"].as_str().expect("id").to_owned(),
    }
}

/// Everyone of a small installation, signed in.
pub struct World {
    pub cases: Vec<BankCase>,
    pub admin: Session,
    pub lead: Session,
    pub expert: Session,
    pub trainee: Session,
    pub other_lead: Session,
    pub other_trainee: Session,
    /// Programme A: `lead`, `expert` and `trainee`, given cases 0 and 1.
    pub programme: ProgrammeIds,
    /// Programme B: `other_lead` and `other_trainee`, given case 2.
    pub other_programme: ProgrammeIds,
}

impl World {
    pub async fn new(installation: &Installation) -> World {
        let cases = import_demo_cases(installation, &[0, 1, 2]).await;
        let admin = installation.signed_in(Role::Admin).await;
        let lead = installation.signed_in(Role::Lead).await;
        let expert = installation.signed_in(Role::Expert).await;
        let trainee = installation.signed_in(Role::Trainee).await;
        let other_lead = installation.signed_in(Role::Lead).await;
        let other_trainee = installation.signed_in(Role::Trainee).await;
        let programme = set_up_programme(
            installation,
            &lead,
            &[&expert],
            &[&trainee],
            &[cases[0].id.clone(), cases[1].id.clone()],
        )
        .await;
        let other_programme = set_up_programme(
            installation,
            &other_lead,
            &[],
            &[&other_trainee],
            &[cases[2].id.clone()],
        )
        .await;
        World {
            cases,
            admin,
            lead,
            expert,
            trainee,
            other_lead,
            other_trainee,
            programme,
            other_programme,
        }
    }
}

/// A complete report that reads the case right: every clinically significant lesion reported
/// at its centre and sectors as PI-RADS 4, or PI-RADS 2 overall when there is none.
pub fn correct_report(case: &CaseManifest) -> Value {
    let lesions: Vec<Value> = case
        .lesions
        .iter()
        .filter(|lesion| lesion.is_significant(case.significant_from_isup))
        .take(4)
        .map(|lesion| {
            let mut reported = reported_lesion(
                4,
                &lesion
                    .sectors
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            );
            if let Some(centre) = lesion.centre_lps_mm {
                reported["point"] = json!({"lps_mm": centre, "series_uid": "1.2.3", "slice": 0});
            }
            reported
        })
        .collect();
    if lesions.is_empty() {
        json!({"lesions": [], "overall_category": 2, "comment": "No suspicious lesion."})
    } else {
        json!({"lesions": lesions, "comment": ""})
    }
}

/// A complete report that reads the case wrong: nothing on a positive case, a PI-RADS 4 lesion
/// on a negative one.
pub fn wrong_report(case: &CaseManifest) -> Value {
    if case.is_positive() {
        json!({"lesions": [], "overall_category": 1, "comment": ""})
    } else {
        json!({"lesions": [reported_lesion(4, &["apex-right-TZa"])], "comment": ""})
    }
}

/// A complete reported lesion without a point.
pub fn reported_lesion(category: u8, sectors: &[impl AsRef<str>]) -> Value {
    json!({
        "sectors": sectors.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
        "t2w_score": category,
        "dwi_score": category,
        "dce": "positive",
        "size_mm": 12.0,
        "extraprostatic_extension": false,
        "category": category,
    })
}
