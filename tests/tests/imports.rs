//! What each import did, through the API on both backends: the admin sees every run with its
//! counts, a running run as running, a failed one with its error, and each refusal with its
//! path and reason; nobody else sees any of it.

use readroom_domain::{Role, TruthManifest};
use readroom_import::{ImportError, ImportSummary};
use readroom_store::StoreError;
use readroom_tests::{BACKENDS, Installation};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_of_an_import_is_shown_to_the_admin_with_its_reason() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let folder = tempfile::tempdir().expect("temporary folder");
        let case = readroom_cases::generate_case(readroom_cases::DEFAULT_SEED, 0);
        for file in &case.files {
            let path = folder.path().join(&file.name);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
            std::fs::write(path, &file.bytes).expect("written");
        }
        // Half of another study's file: a DICOM file cut short.
        let other = readroom_cases::generate_case(readroom_cases::DEFAULT_SEED, 1);
        let whole = &other.files[0].bytes;
        let broken = folder.path().join("broken.dcm");
        std::fs::write(&broken, &whole[..whole.len() / 2]).expect("written");
        let manifest = TruthManifest {
            cases: vec![case.manifest.clone()],
        };
        let summary = installation
            .importer
            .import_paths(&[folder.path().to_owned()], Some(&manifest), &())
            .await
            .expect("import runs");
        let broken = broken.display().to_string();
        assert_eq!(
            summary
                .refused
                .iter()
                .map(|refusal| refusal.path.as_str())
                .collect::<Vec<_>>(),
            [broken.as_str()],
            "{backend:?}"
        );

        let router = installation.router();
        let admin = installation.signed_in(Role::Admin).await;
        let runs = admin.get(&router, "/api/imports").await;
        assert_eq!(runs.status, 200, "{backend:?}: {}", runs.text());
        let runs = runs.json();
        assert_eq!(
            runs.as_array().map(Vec::len),
            Some(1),
            "{backend:?}: {runs}"
        );
        let run = &runs[0];
        assert_eq!(run["status"], "finished", "{backend:?}: {run}");
        assert_eq!(run["refused"], 1, "{backend:?}: {run}");
        assert_eq!(
            run["counts"],
            json!({
                "studies": 1,
                "series": summary.imported.series,
                "images": summary.imported.images,
                "cases": 1,
                "unchanged_studies": 0,
                "bytes_read": summary.bytes_read,
            }),
            "{backend:?}"
        );
        assert_eq!(
            run["sources"],
            format!(
                "{}, with a truth manifest of 1 case",
                folder.path().display()
            ),
            "{backend:?}"
        );
        assert!(run["finished_at"].as_i64() >= run["started_at"].as_i64());

        let id = run["id"].as_str().expect("an id");
        let detail = admin.get(&router, &format!("/api/imports/{id}")).await;
        assert_eq!(detail.status, 200, "{backend:?}: {}", detail.text());
        let detail = detail.json();
        assert_eq!(detail["run"], *run, "{backend:?}");
        assert_eq!(
            detail["refusals"],
            json!([{"path": broken, "reason": summary.refused[0].reason}]),
            "{backend:?}"
        );
        assert!(
            !summary.refused[0].reason.is_empty(),
            "{:?}",
            summary.refused
        );
        let past_the_end = admin
            .get(&router, &format!("/api/imports/{id}?offset=1&limit=10"))
            .await;
        assert_eq!(past_the_end.json()["refusals"], json!([]), "{backend:?}");
        assert_eq!(past_the_end.json()["offset"], 1, "{backend:?}");

        let unknown = admin.get(&router, "/api/imports/no-such-run").await;
        assert_eq!(unknown.status, 404, "{backend:?}: {}", unknown.text());
        for out_of_range in [
            "/api/imports?limit=0",
            &format!("/api/imports/{id}?limit=1001"),
        ] {
            let reply = admin.get(&router, out_of_range).await;
            assert_eq!(reply.status, 422, "{out_of_range}: {}", reply.text());
            assert_eq!(
                reply.json()["error"]["fields"]["limit"],
                "a whole number from 1 to 1000"
            );
        }

        let trainee = installation.signed_in(Role::Trainee).await;
        for path in ["/api/imports".to_owned(), format!("/api/imports/{id}")] {
            let refused = trainee.get(&router, &path).await;
            assert_eq!(
                refused.status,
                403,
                "{backend:?} {path}: {}",
                refused.text()
            );
            assert!(
                !refused.text().contains("broken.dcm"),
                "{backend:?} {path}: {}",
                refused.text()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_shows_as_running_while_it_runs_and_then_as_failed_with_its_error() {
    for backend in BACKENDS {
        let installation = Installation::new(backend).await;
        let router = installation.router();
        let admin = installation.signed_in(Role::Admin).await;
        let (started, is_started) = tokio::sync::oneshot::channel();
        let (release, is_released) = tokio::sync::oneshot::channel::<()>();
        let import = installation.importer.recorded("/incoming/scans", async {
            started.send(()).expect("the test waits");
            is_released.await.expect("the test releases the import");
            Err::<ImportSummary, _>(ImportError::Store(StoreError::Invalid(
                "the disk is full".into(),
            )))
        });
        let look = async {
            is_started.await.expect("the import starts");
            let runs = admin.get(&router, "/api/imports").await.json();
            release.send(()).expect("the import waits");
            runs
        };
        let (outcome, while_running) = tokio::join!(import, look);
        assert!(
            matches!(outcome, Err(ImportError::Store(StoreError::Invalid(_)))),
            "{backend:?}: the import's own error comes back: {outcome:?}"
        );
        let run = &while_running[0];
        assert_eq!(
            (&run["status"], &run["finished_at"], &run["counts"]),
            (&json!("running"), &json!(null), &json!(null)),
            "{backend:?}: {run}"
        );
        assert_eq!(run["sources"], "/incoming/scans");

        let id = run["id"].as_str().expect("an id");
        let after = admin
            .get(&router, &format!("/api/imports/{id}"))
            .await
            .json();
        assert_eq!(after["run"]["status"], "failed", "{backend:?}: {after}");
        assert_eq!(after["run"]["error"], "the disk is full", "{backend:?}");
        assert_eq!(after["run"]["counts"], json!(null), "{backend:?}");
        assert!(after["run"]["finished_at"].is_i64(), "{backend:?}: {after}");
    }
}
