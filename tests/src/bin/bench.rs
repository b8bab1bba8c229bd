//! `cargo xtask bench`: import throughput for the demo bank, and serving figures on loopback.
//!
//! Prints figures; asserts nothing. Record them with the machine in BENCHMARKS.md.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use readroom_domain::{Role, TruthManifest};
use readroom_import::Source;
use readroom_store::NewUser;
use readroom_tests::{Backend, Installation};

const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";

#[tokio::main]
async fn main() -> Result<()> {
    println!("Readroom benchmark on {}", machine());

    // Import: the demo bank, generated first (not timed), imported into a fresh installation.
    let started = Instant::now();
    let cases: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..readroom_cases::DEFAULT_CASE_COUNT)
            .map(|index| {
                scope.spawn(move || {
                    readroom_cases::generate_case(readroom_cases::DEFAULT_SEED, index)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("generation"))
            .collect()
    });
    println!(
        "generate demo bank: {} cases in {:.2} s",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    let benchmark_series = series_320(&cases[0])?;

    let installation = Installation::new(Backend::Sqlite).await;
    // All cases in one import, as `readroom import` would take a folder of them.
    let sources = cases
        .iter()
        .flat_map(|case| &case.files)
        .map(|f| Source::in_memory(f.name.clone(), f.bytes.clone()))
        .collect();
    let manifest = TruthManifest {
        cases: cases.iter().map(|case| case.manifest.clone()).collect(),
    };
    let started = Instant::now();
    let summary = installation
        .importer
        .import(sources, Some(&manifest), &())
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.refused.is_empty(),
        "{} files refused, the first: {:?}",
        summary.refused.len(),
        summary.refused.first()
    );
    println!(
        "import demo bank: {} studies, {} series, {} images, {:.1} MB of DICOM in {:.2} s: {:.1} MB/s, {:.0} images/s",
        summary.imported.studies,
        summary.imported.series,
        summary.imported.images,
        summary.bytes_read as f64 / 1e6,
        seconds,
        summary.bytes_read as f64 / 1e6 / seconds,
        summary.imported.images as f64 / seconds
    );
    println!(
        "data directory after import: {:.1} MB",
        dir_size(installation.data_dir.path()) as f64 / 1e6
    );

    // The series of the serving targets: 24 slices of 320×320, 16-bit, as a case of its own.
    let sources = benchmark_series
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| Source::in_memory(format!("bench/{i}.dcm"), bytes))
        .collect();
    let manifest = TruthManifest::from_toml(
        &format!(
            "[[case]]\nstudy_instance_uid = \"{BENCH_STUDY_UID}\"\ntitle = \"Benchmark series\"\nsynthetic = true\n"
        ),
        "benchmark",
    )?;
    let bench_summary = installation
        .importer
        .import(sources, Some(&manifest), &())
        .await?;
    anyhow::ensure!(bench_summary.imported.images == 24, "{bench_summary:?}");
    let bench_case = installation
        .store
        .list_cases()
        .await?
        .into_iter()
        .find(|case| case.title == "Benchmark series")
        .context("the benchmark case")?;
    let series_uid = bench_case.series[0].uid.clone();

    // Serving, on loopback, through a real socket, to a trainee the case is assigned to (so
    // each request pays for the access check a trainee's does).
    assign_to_bench_trainee(&installation.store, &bench_case.id).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let router = installation.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let cookie = sign_in(&client, address).await?;

    let whole = format!("http://{address}/api/series/{series_uid}/voxels");
    let slice = format!("http://{address}/api/series/{series_uid}/frames/12");
    println!(
        "serving, Accept-Encoding: {BROWSER_ENCODINGS}; time to first byte (TTFB) and to the last byte decoded:"
    );
    for (name, url) in [
        ("whole series (24 × 320 × 320 × 16 bit)", &whole),
        ("one slice", &slice),
    ] {
        for clients in [1, 32] {
            let figures = load(&client, url, &cookie, clients, 20).await;
            println!("  {name}, {clients:>2} client(s): {figures}");
        }
    }
    Ok(())
}

const BENCH_STUDY_UID: &str = "2.25.1234567890123456789";

/// Case `case`'s T2W slices resampled (bilinear) to 320×320 and 24 slices: realistic content at
/// the size of the serving targets.
fn series_320(case: &readroom_cases::DemoCase) -> Result<Vec<Vec<u8>>> {
    let mut sources: Vec<_> = case
        .files
        .iter()
        .filter(|f| f.name.contains("/T2W/"))
        .collect();
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    let mut files = Vec::new();
    for slice in 0..24usize {
        let source = sources[slice * (sources.len() - 1) / 23];
        let mut obj = OpenFileOptions::new()
            .from_reader(&source.bytes[128..])
            .context("demo file parses")?;
        let rows = obj.element(tags::ROWS)?.to_int::<usize>()?;
        let columns = obj.element(tags::COLUMNS)?.to_int::<usize>()?;
        let pixels: Vec<u16> = obj.element(tags::PIXEL_DATA)?.to_multi_int::<u16>()?;
        let spacing: Vec<f64> = obj.element(tags::PIXEL_SPACING)?.to_multi_float64()?;
        let resampled = resample(&pixels, rows, columns, 320);
        let scale = rows as f64 / 320.0;
        let uid = format!("{BENCH_STUDY_UID}.{}", slice + 1);
        obj.put(DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(BENCH_STUDY_UID),
        ));
        obj.put(DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(format!("{BENCH_STUDY_UID}.0")),
        ));
        obj.put(DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(uid.as_str()),
        ));
        obj.meta_mut().media_storage_sop_instance_uid = uid.clone();
        obj.meta_mut().update_information_group_length();
        obj.put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(320u16),
        ));
        obj.put(DataElement::new(
            tags::COLUMNS,
            VR::US,
            PrimitiveValue::from(320u16),
        ));
        obj.put(DataElement::new(
            tags::PIXEL_SPACING,
            VR::DS,
            PrimitiveValue::from(format!(
                "{:.4}\\{:.4}",
                spacing[0] * scale,
                spacing[1] * scale
            )),
        ));
        obj.put(DataElement::new(
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            PrimitiveValue::from(format!("-89.6\\-89.6\\{:.2}", slice as f64 * 2.5)),
        ));
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(resampled.into()),
        ));
        let mut bytes = Vec::new();
        obj.write_all(&mut bytes)
            .context("write the benchmark file")?;
        files.push(bytes);
    }
    Ok(files)
}

fn resample(pixels: &[u16], rows: usize, columns: usize, size: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(size * size);
    for y in 0..size {
        let fy = (y as f64 + 0.5) * rows as f64 / size as f64 - 0.5;
        let (y0, wy) = (fy.floor().max(0.0) as usize, fy - fy.floor());
        let y1 = (y0 + 1).min(rows - 1);
        for x in 0..size {
            let fx = (x as f64 + 0.5) * columns as f64 / size as f64 - 0.5;
            let (x0, wx) = (fx.floor().max(0.0) as usize, fx - fx.floor());
            let x1 = (x0 + 1).min(columns - 1);
            let at = |y: usize, x: usize| f64::from(pixels[y * columns + x]);
            let top = at(y0, x0) * (1.0 - wx) + at(y0, x1) * wx;
            let bottom = at(y1, x0) * (1.0 - wx) + at(y1, x1) * wx;
            out.push((top * (1.0 - wy) + bottom * wy).round() as u16);
        }
    }
    out
}

/// Creates the trainee `bench` and gives them `case_id` through a programme, open now.
async fn assign_to_bench_trainee(store: &readroom_store::Store, case_id: &str) -> Result<()> {
    let user = |username: &str, role| NewUser {
        username: username.into(),
        display_name: username.into(),
        password: "benchmark password".into(),
        roles: vec![role],
    };
    let lead = store.create_user(&user("bench-lead", Role::Lead)).await?;
    let trainee = store.create_user(&user("bench", Role::Trainee)).await?;
    let settings = serde_json::to_value(readroom_server::ProgrammeSettings::default())?;
    let programme = store
        .create_programme("Benchmark", &settings, &lead.id)
        .await?;
    store
        .add_member(&programme.id, &trainee.id, Role::Trainee)
        .await?;
    let cohort = store.create_cohort(&programme.id, "Benchmark").await?;
    store.add_cohort_member(&cohort, &trainee.id).await?;
    let set = store
        .create_case_set(&programme.id, "Benchmark", &[case_id.to_owned()])
        .await?;
    let now = readroom_server::Clock::default().now();
    store
        .create_assignment(
            &programme.id,
            &set.id,
            &cohort.id,
            now - 1000,
            now + 3_600_000,
        )
        .await?;
    Ok(())
}

async fn sign_in(
    client: &Client<HttpConnector, Full<Bytes>>,
    address: std::net::SocketAddr,
) -> Result<String> {
    let request = hyper::Request::post(format!("http://{address}/api/session"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            r#"{"username":"bench","password":"benchmark password"}"#,
        )))?;
    let response = client.request(request).await?;
    anyhow::ensure!(
        response.status().is_success(),
        "sign-in failed: {}",
        response.status()
    );
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("session cookie")?;
    Ok(cookie.to_owned())
}

/// `clients` concurrent clients, each fetching `url` `requests` times; the body is received
/// and decoded as a browser would.
async fn load(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    cookie: &str,
    clients: usize,
    requests: usize,
) -> Figures {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, cookie) = (client.clone(), url.to_owned(), cookie.to_owned());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut errors = 0;
                for _ in 0..requests {
                    match fetch(&client, &url, &cookie).await {
                        Ok(sample) => samples.push(sample),
                        Err(_) => errors += 1,
                    }
                }
                (samples, errors)
            })
        })
        .collect();
    let mut samples = Vec::new();
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((mut s, e)) => {
                samples.append(&mut s);
                errors += e;
            }
            Err(_) => errors += requests,
        }
    }
    Figures::new(samples, errors, started.elapsed())
}

struct Sample {
    first_byte: Duration,
    complete: Duration,
    wire_bytes: usize,
    decoded_bytes: usize,
}

async fn fetch(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    cookie: &str,
) -> Result<Sample> {
    let request = hyper::Request::get(url)
        .header("cookie", cookie)
        .header("accept-encoding", BROWSER_ENCODINGS)
        .body(Full::new(Bytes::new()))?;
    let started = Instant::now();
    let response = client.request(request).await?;
    let first_byte = started.elapsed();
    anyhow::ensure!(
        response.status().is_success(),
        "status {}",
        response.status()
    );
    let encoding = response.headers().get("content-encoding").cloned();
    let body = response.into_body().collect().await?.to_bytes();
    let decoded = match encoding.as_ref().and_then(|v| v.to_str().ok()) {
        Some("zstd") => zstd::stream::decode_all(body.as_ref())?.len(),
        Some(other) => anyhow::bail!("unexpected encoding {other}"),
        None => body.len(),
    };
    Ok(Sample {
        first_byte,
        complete: started.elapsed(),
        wire_bytes: body.len(),
        decoded_bytes: decoded,
    })
}

struct Figures {
    samples: Vec<Sample>,
    errors: usize,
    elapsed: Duration,
}

impl Figures {
    fn new(samples: Vec<Sample>, errors: usize, elapsed: Duration) -> Figures {
        Figures {
            samples,
            errors,
            elapsed,
        }
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quantile = |pick: fn(&Sample) -> Duration, q: f64| {
            let mut values: Vec<Duration> = self.samples.iter().map(pick).collect();
            values.sort();
            values
                .get(((values.len().saturating_sub(1)) as f64 * q).round() as usize)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
        };
        let decoded: usize = self.samples.iter().map(|s| s.decoded_bytes).sum();
        let wire: usize = self.samples.iter().map(|s| s.wire_bytes).sum();
        write!(
            f,
            "TTFB median {:.1} ms (p95 {:.1}); complete median {:.1} ms (p95 {:.1}); {} requests, {} errors; \
             {:.0} MB/s decoded, {:.2} MB on the wire per request",
            quantile(|s| s.first_byte, 0.5),
            quantile(|s| s.first_byte, 0.95),
            quantile(|s| s.complete, 0.5),
            quantile(|s| s.complete, 0.95),
            self.samples.len(),
            self.errors,
            decoded as f64 / 1e6 / self.elapsed.as_secs_f64(),
            wire as f64 / 1e6 / self.samples.len().max(1) as f64,
        )
    }
}

fn dir_size(root: &std::path::Path) -> u64 {
    readroom_tests::files_under(root)
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores, {cpu}")
}
