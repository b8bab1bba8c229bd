//! The store behaves the same on SQLite and on PostgreSQL: every test here runs on both.

use readroom_domain::{ClinicalContext, PixelFormat, PreparedSeries, Role, SeriesKind};
use readroom_store::{
    ImportCounts, ImportRefusal, ImportStatus, NewCase, NewInstance, NewSeries, NewStudy, NewUser,
    PasswordCheck, SessionToken, StoreError,
};
use readroom_tests::{BACKENDS, Installation};

fn prepared(uid: &str, kind: SeriesKind) -> PreparedSeries {
    PreparedSeries {
        uid: uid.into(),
        number: Some(1),
        kind,
        modality: "MR".into(),
        description: "T2W axial".into(),
        rows: 2,
        columns: 2,
        slices: 1,
        phases: 1,
        pixel_format: PixelFormat::U16,
        row_direction: [1.0, 0.0, 0.0],
        column_direction: [0.0, 1.0, 0.0],
        normal: [0.0, 0.0, 1.0],
        pixel_spacing_mm: [0.5, 0.5],
        slice_spacing_mm: 3.0,
        slice_thickness_mm: Some(3.0),
        invert: false,
        units: None,
        diffusion_b_value: None,
        frame_of_reference_uid: None,
        window_presets: vec![],
        frames: vec![],
        voxels_hash: "00".into(),
        voxels_bytes: 0,
    }
}

fn study(uid: &str, with_case: bool) -> NewStudy {
    NewStudy {
        uid: uid.into(),
        description: "Study".into(),
        series: vec![
            NewSeries {
                prepared: prepared(&format!("{uid}.2"), SeriesKind::Adc),
                instances: vec![NewInstance {
                    uid: format!("{uid}.2.1"),
                    object_key: "k".into(),
                    offset: 0,
                    bytes: 10,
                }],
            },
            NewSeries {
                prepared: prepared(&format!("{uid}.1"), SeriesKind::T2w),
                instances: vec![],
            },
        ],
        case: with_case.then(|| NewCase {
            title: "Synthetic case".into(),
            synthetic: true,
            significant_from_isup: 2,
            clinical: ClinicalContext {
                age: Some(64),
                ..ClinicalContext::default()
            },
            lesions: vec![],
            teaching_notes: None,
        }),
    }
}

fn trainee(username: &str) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "A Trainee".into(),
        password: "long enough password".into(),
        roles: vec![Role::Trainee],
    }
}

#[tokio::test]
async fn a_study_is_stored_whole_and_listed_as_a_case_without_its_truth() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        store.insert_study(&study("2.25.1", true)).await.unwrap();
        assert!(store.study_exists("2.25.1").await.unwrap(), "{backend:?}");
        let cases = store.list_cases().await.unwrap();
        assert_eq!(cases.len(), 1, "{backend:?}");
        assert!(cases[0].synthetic);
        assert_eq!(cases[0].clinical.age, Some(64));
        let kinds: Vec<&str> = cases[0].series.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["t2w", "adc"],
            "series come in reading order on {backend:?}"
        );
        let detail = store.case_detail(&cases[0].id).await.unwrap().unwrap();
        assert_eq!(detail.series_detail[0].kind, SeriesKind::T2w);
        let stored = store.series("2.25.1.2").await.unwrap().unwrap();
        assert_eq!(stored.study_uid, "2.25.1");
        assert_eq!(stored.prepared.kind, SeriesKind::Adc);
    }
}

#[tokio::test]
async fn storing_a_study_twice_is_a_conflict_and_changes_nothing() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        store.insert_study(&study("2.25.7", false)).await.unwrap();
        let again = store.insert_study(&study("2.25.7", true)).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{backend:?}: {again:?}"
        );
        assert_eq!(store.case_count().await.unwrap(), 0, "{backend:?}");
    }
}

#[tokio::test]
async fn a_series_of_hundreds_of_instances_is_stored_with_every_instance() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let mut big = study("2.25.11", false);
        // More than one statement's worth of rows, and not a multiple of it.
        big.series[0].instances = (0..451u64)
            .map(|i| NewInstance {
                uid: format!("2.25.11.2.{i:03}"),
                object_key: format!("pack-{}", i % 2),
                offset: i * 1000,
                bytes: 1000 + i,
            })
            .collect();
        store.insert_study(&big).await.unwrap();
        assert_eq!(
            store.study_instances("2.25.11").await.unwrap(),
            big.series[0].instances,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_failing_study_insert_leaves_nothing_behind() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        // The second series repeats the first one's UID: the insert fails half-way.
        let mut broken = study("2.25.9", true);
        broken.series[1].prepared.uid = broken.series[0].prepared.uid.clone();
        assert!(store.insert_study(&broken).await.is_err(), "{backend:?}");
        assert!(!store.study_exists("2.25.9").await.unwrap(), "{backend:?}");
        assert!(
            store.series("2.25.9.2").await.unwrap().is_none(),
            "{backend:?}"
        );
        assert_eq!(store.case_count().await.unwrap(), 0, "{backend:?}");
    }
}

#[tokio::test]
async fn truth_attaches_once_to_a_stored_study() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        store.insert_study(&study("2.25.3", false)).await.unwrap();
        assert!(!store.case_exists_for_study("2.25.3").await.unwrap());
        let case = study("x", true).case.unwrap();
        store.attach_case("2.25.3", &case).await.unwrap();
        assert!(
            store.case_exists_for_study("2.25.3").await.unwrap(),
            "{backend:?}"
        );
        let twice = store.attach_case("2.25.3", &case).await;
        assert!(
            matches!(twice, Err(StoreError::Conflict(_))),
            "{backend:?}: {twice:?}"
        );
        assert_eq!(store.case_count().await.unwrap(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn passwords_are_checked_and_sessions_resolve_to_their_user() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let user = store.create_user(&trainee("ana")).await.unwrap();
        assert_eq!(user.roles, [Role::Trainee]);
        let checked = store
            .check_password("ana", "long enough password")
            .await
            .unwrap();
        assert_eq!(
            checked,
            PasswordCheck::Accepted(user.clone()),
            "{backend:?}"
        );
        assert_eq!(
            store.check_password("ana", "wrong password").await.unwrap(),
            PasswordCheck::Refused
        );
        assert_eq!(
            store
                .check_password("nobody", "long enough password")
                .await
                .unwrap(),
            PasswordCheck::Refused
        );

        let started = store.create_session(&user.id).await.unwrap();
        let session = store.session(&started.token).await.unwrap();
        assert_eq!(
            session.as_ref().map(|s| &s.user),
            Some(&user),
            "{backend:?}"
        );
        assert_eq!(
            session.map(|s| s.csrf_token),
            Some(started.csrf_token),
            "{backend:?}"
        );
        let forged = SessionToken("0".repeat(64));
        assert_eq!(store.session(&forged).await.unwrap(), None);
        store.end_session(&started.token).await.unwrap();
        assert_eq!(
            store.session(&started.token).await.unwrap(),
            None,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn invalid_or_duplicate_users_are_refused_with_the_field_named() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        store.create_user(&trainee("ben")).await.unwrap();
        let duplicate = store.create_user(&trainee("ben")).await;
        assert!(
            matches!(duplicate, Err(StoreError::Conflict(_))),
            "{backend:?}"
        );
        let cases = [
            (
                NewUser {
                    password: "short".into(),
                    ..trainee("cy")
                },
                "password",
            ),
            (
                NewUser {
                    username: "no spaces".into(),
                    ..trainee("x")
                },
                "username",
            ),
            (
                NewUser {
                    roles: vec![],
                    ..trainee("dee")
                },
                "roles",
            ),
        ];
        for (user, field) in cases {
            match store.create_user(&user).await {
                Err(StoreError::Invalid(message)) => {
                    assert!(message.starts_with(field), "{message}")
                }
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(store.user_count().await.unwrap(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn installation_values_are_created_once() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let first = store
            .installation_value("k", || "one".into())
            .await
            .unwrap();
        let second = store
            .installation_value("k", || "two".into())
            .await
            .unwrap();
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("one", "one"),
            "{backend:?}"
        );
        store.set_setting("k", "three").await.unwrap();
        assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("three"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_imports_store_their_studies_side_by_side() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let studies: Vec<NewStudy> = (0..6).map(|i| study(&format!("2.25.5{i}"), true)).collect();
        let results =
            futures::future::join_all(studies.iter().map(|s| store.insert_study(s))).await;
        for result in results {
            result.unwrap_or_else(|err| panic!("{backend:?}: {err}"));
        }
        assert_eq!(store.case_count().await.unwrap(), 6, "{backend:?}");
    }
}

fn refusal(index: usize) -> ImportRefusal {
    ImportRefusal {
        path: format!("/incoming/file-{index:04}.dcm"),
        reason: format!("reason {index}"),
    }
}

#[tokio::test]
async fn an_import_run_shows_as_running_until_it_finishes_with_its_counts_and_refusals() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let id = store.begin_import("/incoming, and 2 more").await.unwrap();
        let running = store.import_run(&id).await.unwrap().expect("the run");
        assert_eq!(running.status, ImportStatus::Running, "{backend:?}");
        assert_eq!(running.sources, "/incoming, and 2 more");
        assert_eq!(
            (running.finished_at, running.counts, running.refused),
            (None, None, 0),
            "{backend:?}"
        );

        let counts = ImportCounts {
            studies: 2,
            series: 9,
            images: 301,
            cases: 1,
            unchanged_studies: 3,
            bytes_read: 5_000_000_000,
        };
        // More than one statement's worth of refusals, and not a multiple of it.
        let refusals: Vec<ImportRefusal> = (0..701).map(refusal).collect();
        store.finish_import(&id, &counts, &refusals).await.unwrap();
        let finished = store.import_run(&id).await.unwrap().expect("the run");
        assert_eq!(finished.status, ImportStatus::Finished, "{backend:?}");
        assert_eq!(finished.counts, Some(counts), "{backend:?}");
        assert_eq!(finished.refused, 701, "{backend:?}");
        assert_eq!(finished.error, None);
        assert!(
            finished.finished_at.expect("an end") >= finished.started_at,
            "{backend:?}"
        );
        assert_eq!(
            store.import_refusals(&id, 0, 1000).await.unwrap(),
            refusals,
            "every refusal, in the order given, on {backend:?}"
        );
        assert_eq!(
            store.import_refusals(&id, 699, 10).await.unwrap(),
            refusals[699..],
            "{backend:?}"
        );
        assert_eq!(
            store.import_refusals(&id, 10, 2).await.unwrap(),
            refusals[10..12],
            "{backend:?}"
        );

        let again = store.finish_import(&id, &counts, &[refusal(0)]).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{backend:?}: {again:?}"
        );
        assert_eq!(store.import_run(&id).await.unwrap().unwrap().refused, 701);
        assert!(!store.fail_import(&id, "too late").await.unwrap());
        assert_eq!(
            store.import_run(&id).await.unwrap().unwrap().status,
            ImportStatus::Finished,
            "a finished run stays finished on {backend:?}"
        );
        assert_eq!(store.import_run("no-such-run").await.unwrap(), None);
        let unknown = store.finish_import("no-such-run", &counts, &[]).await;
        assert!(
            matches!(unknown, Err(StoreError::Conflict(_))),
            "{unknown:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_import_run_keeps_its_error_and_no_counts() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let id = store.begin_import("/incoming").await.unwrap();
        assert!(
            store
                .fail_import(&id, "database error: disk full")
                .await
                .unwrap()
        );
        let failed = store.import_run(&id).await.unwrap().expect("the run");
        assert_eq!(failed.status, ImportStatus::Failed, "{backend:?}");
        assert_eq!(failed.error.as_deref(), Some("database error: disk full"));
        assert_eq!((failed.counts, failed.refused), (None, 0), "{backend:?}");
        assert!(failed.finished_at.is_some(), "{backend:?}");
        assert!(
            !store.fail_import(&id, "again").await.unwrap(),
            "{backend:?}"
        );
        assert_eq!(
            store
                .import_run(&id)
                .await
                .unwrap()
                .unwrap()
                .error
                .as_deref(),
            Some("database error: disk full"),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn runs_left_running_are_marked_failed_and_may_still_finish() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let crashed = store.begin_import("/crashed").await.unwrap();
        let done = store.begin_import("/done").await.unwrap();
        store
            .finish_import(&done, &ImportCounts::default(), &[])
            .await
            .unwrap();
        assert_eq!(
            store.fail_unfinished_imports("interrupted").await.unwrap(),
            1,
            "{backend:?}"
        );
        let run = store.import_run(&crashed).await.unwrap().unwrap();
        assert_eq!(
            (run.status, run.error.as_deref()),
            (ImportStatus::Failed, Some("interrupted")),
            "{backend:?}"
        );
        assert_eq!(
            store.import_run(&done).await.unwrap().unwrap().status,
            ImportStatus::Finished
        );
        // An import that was running after all, when a server started, still ends well.
        store
            .finish_import(&crashed, &ImportCounts::default(), &[refusal(1)])
            .await
            .unwrap();
        let run = store.import_run(&crashed).await.unwrap().unwrap();
        assert_eq!(
            (run.status, run.error, run.refused),
            (ImportStatus::Finished, None, 1),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn import_runs_are_listed_newest_first_with_their_refusal_counts() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let store = &installation.store;
        let mut ids = Vec::new();
        for refused in 0..3 {
            let id = store.begin_import(&format!("run {refused}")).await.unwrap();
            let refusals: Vec<ImportRefusal> = (0..refused).map(refusal).collect();
            store
                .finish_import(&id, &ImportCounts::default(), &refusals)
                .await
                .unwrap();
            ids.push(id);
        }
        let all = store.import_runs(10).await.unwrap();
        assert_eq!(all.len(), 3, "{backend:?}");
        assert!(
            all.windows(2).all(|w| w[0].started_at >= w[1].started_at),
            "newest first on {backend:?}: {all:?}"
        );
        for run in &all {
            let index = ids
                .iter()
                .position(|id| *id == run.id)
                .expect("a run begun here");
            assert_eq!(run.refused, index as i64, "{backend:?}: {run:?}");
            assert_eq!(run.sources, format!("run {index}"));
        }
        let newest = store.import_runs(2).await.unwrap();
        assert_eq!(newest, all[..2], "{backend:?}");
        assert!(store.import_runs(0).await.unwrap().is_empty());
    }
}
