//! The store behaves the same on SQLite and on PostgreSQL: every test here runs on both.

use readroom_domain::{ClinicalContext, PixelFormat, PreparedSeries, Role, SeriesKind};
use readroom_store::{
    NewCase, NewInstance, NewSeries, NewStudy, NewUser, PasswordCheck, SessionToken, StoreError,
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
