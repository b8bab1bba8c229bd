//! The HTTP API over the real router, on both database backends: nothing for anonymous
//! clients, and series served exactly as imported.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use readroom_domain::{Role, TruthManifest};
use readroom_import::Source;
use readroom_tests::{BACKENDS, Installation, Reply, call, get, sign_in};

/// An installation holding demo case 0 of the shipped seed; returns the case id.
async fn with_demo_case(installation: &Installation) -> (String, readroom_cases::DemoCase) {
    let case = readroom_cases::generate_case(readroom_cases::DEFAULT_SEED, 0);
    let sources = case
        .files
        .iter()
        .map(|file| Source::in_memory(file.name.clone(), file.bytes.clone()))
        .collect();
    let manifest = TruthManifest {
        cases: vec![case.manifest.clone()],
    };
    let summary = installation
        .importer
        .import(sources, Some(&manifest), &())
        .await
        .expect("import runs");
    assert!(summary.refused.is_empty(), "{:?}", summary.refused);
    let cases = installation.store.list_cases().await.expect("case list");
    (cases[0].id.clone(), case)
}

fn series_uid(reply: &Reply, kind: &str) -> String {
    reply.json()["series_detail"]
        .as_array()
        .expect("series_detail is a list")
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} series"))["uid"]
        .as_str()
        .expect("uid is a string")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_requests_are_refused_everywhere() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let (case_id, _) = with_demo_case(&installation).await;
        let router = installation.router();
        let detail = get(&router, &format!("/api/cases/{case_id}"), None, &[]).await;
        assert_eq!(detail.status, StatusCode::UNAUTHORIZED);
        let series = installation
            .store
            .case_detail(&case_id)
            .await
            .unwrap()
            .unwrap()
            .series_detail[0]
            .uid
            .clone();
        for uri in [
            "/api/session".to_owned(),
            "/api/cases".to_owned(),
            format!("/api/cases/{case_id}"),
            format!("/api/series/{series}"),
            format!("/api/series/{series}/voxels"),
            format!("/api/series/{series}/frames/0"),
            format!("/api/series/{series}/thumbnail.png"),
        ] {
            let reply = get(&router, &uri, None, &[]).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{backend:?} {uri}");
            assert_eq!(reply.json()["error"]["code"], "unauthenticated", "{uri}");
            let forged = get(&router, &uri, Some("readroom_session=forged"), &[]).await;
            assert_eq!(
                forged.status,
                StatusCode::UNAUTHORIZED,
                "{backend:?} {uri} with a forged cookie"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_needs_the_right_password_and_signing_out_ends_the_session() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let session = installation.signed_in(Role::Trainee).await;
        let user = &session.user;
        assert_eq!(user.roles, [Role::Trainee]);
        assert_eq!(session.csrf.len(), 64, "{backend:?}: a 256-bit CSRF token");

        let wrong = sign_in(&router, &user.username, "wrong one").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{backend:?}");
        assert!(wrong.headers.get(header::SET_COOKIE).is_none());
        let malformed = call(
            &router,
            Request::post("/api/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"username\":"))
                .unwrap(),
        )
        .await;
        assert!(
            malformed.status.is_client_error(),
            "{backend:?}: {}",
            malformed.status
        );

        let me = session.get(&router, "/api/session").await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["user"]["username"], user.username.as_str());
        assert_eq!(me.json()["csrf_token"], session.csrf.as_str());

        assert_eq!(
            session.delete(&router, "/api/session").await.status,
            StatusCode::NO_CONTENT
        );
        let after = session.get(&router, "/api/session").await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_list_and_series_metadata_carry_geometry_but_never_truth() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let (case_id, case) = with_demo_case(&installation).await;
        let router = installation.router();
        // An expert sees the whole bank; a trainee only what is assigned to them, which the
        // training tests cover (and that no answer to a trainee carries truth).
        let cookie = installation.signed_in(Role::Expert).await.cookie;

        let list = get(&router, "/api/cases", Some(&cookie), &[]).await;
        assert_eq!(list.status, StatusCode::OK);
        let listed = &list.json()[0];
        assert_eq!(listed["synthetic"], true);
        assert!(listed["title"].as_str().unwrap().starts_with("Synthetic"));
        let kinds: Vec<&str> = listed["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["t2w", "dwi", "adc", "dce"], "{backend:?}");

        let detail = get(
            &router,
            &format!("/api/cases/{case_id}"),
            Some(&cookie),
            &[],
        )
        .await;
        assert_eq!(detail.status, StatusCode::OK);
        for reply in [&list, &detail] {
            let text = reply.text();
            for word in ["isup", "lesion", "truth", "teaching"] {
                assert!(!text.contains(word), "`{word}` leaked in {text}");
            }
        }
        let t2 = series_uid(&detail, "t2w");
        let metadata = get(&router, &format!("/api/series/{t2}"), Some(&cookie), &[])
            .await
            .json();
        let t2_files = case
            .files
            .iter()
            .filter(|f| f.name.contains("/T2W/"))
            .count();
        assert_eq!(metadata["slices"], t2_files);
        assert_eq!(metadata["rows"], 256);
        assert_eq!(metadata["normal"], serde_json::json!([0.0, 0.0, 1.0]));
        let frames = metadata["frames"].as_array().unwrap();
        let z: Vec<f64> = frames
            .iter()
            .map(|f| f["position_lps_mm"][2].as_f64().unwrap())
            .collect();
        assert!(
            z.windows(2).all(|pair| pair[1] > pair[0]),
            "slices sorted along the normal: {z:?}"
        );
        assert!(!metadata["window_presets"].as_array().unwrap().is_empty());

        let dce = series_uid(&detail, "dce");
        let dce = get(&router, &format!("/api/series/{dce}"), Some(&cookie), &[])
            .await
            .json();
        assert!(dce["phases"].as_u64().unwrap() >= 8, "{dce}");

        let missing = get(&router, "/api/series/2.25.0", Some(&cookie), &[]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let missing_case = get(&router, "/api/cases/nope", Some(&cookie), &[]).await;
        assert_eq!(missing_case.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voxels_are_served_as_imported_compressed_and_cached() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let (case_id, case) = with_demo_case(&installation).await;
        let router = installation.router();
        let cookie = installation.signed_in(Role::Expert).await.cookie;
        let detail = get(
            &router,
            &format!("/api/cases/{case_id}"),
            Some(&cookie),
            &[],
        )
        .await;
        let uid = series_uid(&detail, "t2w");
        let metadata = get(&router, &format!("/api/series/{uid}"), Some(&cookie), &[])
            .await
            .json();
        let frame_bytes = 256 * 256 * 2;

        let browser = [("accept-encoding", "gzip, deflate, br, zstd")];
        let whole = get(
            &router,
            &format!("/api/series/{uid}/voxels"),
            Some(&cookie),
            &browser,
        )
        .await;
        assert_eq!(whole.status, StatusCode::OK, "{backend:?}");
        assert_eq!(whole.headers[header::CONTENT_ENCODING], "zstd");
        assert!(
            whole.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let etag = whole.headers[header::ETAG].to_str().unwrap().to_owned();
        let voxels = zstd::stream::decode_all(whole.body.as_ref()).unwrap();
        let slices = metadata["slices"].as_u64().unwrap() as usize;
        assert_eq!(voxels.len(), slices * frame_bytes);

        // The served words are the stored values of the source DICOM, slice by slice.
        let mut sources: Vec<(f64, Vec<u8>)> = case
            .files
            .iter()
            .filter(|f| f.name.contains("/T2W/"))
            .map(|f| {
                let instance =
                    readroom_dicom::read_instance(&f.bytes, &Default::default()).unwrap();
                let frame = instance.decode(&Default::default()).unwrap().remove(0);
                let words = match frame.pixels {
                    readroom_dicom::FramePixels::U16(v) => {
                        v.iter().flat_map(|w| w.to_le_bytes()).collect()
                    }
                    readroom_dicom::FramePixels::I16(v) => {
                        v.iter().flat_map(|w| w.to_le_bytes()).collect()
                    }
                };
                (frame.image_position.unwrap()[2], words)
            })
            .collect();
        sources.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (slice, (_, words)) in sources.iter().enumerate() {
            assert!(
                voxels[slice * frame_bytes..(slice + 1) * frame_bytes] == words[..],
                "slice {slice}"
            );
        }

        let first = get(
            &router,
            &format!("/api/series/{uid}/frames/0"),
            Some(&cookie),
            &browser,
        )
        .await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(
            zstd::stream::decode_all(first.body.as_ref()).unwrap(),
            voxels[..frame_bytes]
        );
        let last = get(
            &router,
            &format!("/api/series/{uid}/frames/{}", slices - 1),
            Some(&cookie),
            &[],
        )
        .await;
        assert!(
            last.headers.get(header::CONTENT_ENCODING).is_none(),
            "identity without an offer"
        );
        assert_eq!(last.body.as_ref(), &voxels[(slices - 1) * frame_bytes..]);
        let beyond = get(
            &router,
            &format!("/api/series/{uid}/frames/{slices}"),
            Some(&cookie),
            &[],
        )
        .await;
        assert_eq!(beyond.status, StatusCode::NOT_FOUND);

        let gzip_only = get(
            &router,
            &format!("/api/series/{uid}/voxels"),
            Some(&cookie),
            &[("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(
            gzip_only.headers[header::CONTENT_ENCODING],
            "gzip",
            "{backend:?}"
        );

        let cached = get(
            &router,
            &format!("/api/series/{uid}/voxels"),
            Some(&cookie),
            &[("if-none-match", &etag)],
        )
        .await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
        assert!(cached.body.is_empty());

        let thumbnail = get(
            &router,
            &format!("/api/series/{uid}/thumbnail.png"),
            Some(&cookie),
            &[],
        )
        .await;
        assert_eq!(thumbnail.headers[header::CONTENT_TYPE], "image/png");
        assert!(thumbnail.body.starts_with(b"\x89PNG"));
    }
}
