//! `readroom serve`

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use readroom_domain::Role;
use readroom_import::Importer;
use readroom_server::AppState;

use crate::{DataArgs, demo};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The address to listen on.
    #[arg(long, env = "READROOM_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Do not load the demo case bank and demo users on first start.
    #[arg(long, env = "READROOM_NO_DEMO")]
    no_demo: bool,
    /// Mark session cookies Secure (set this when Readroom is served over HTTPS).
    #[arg(long, env = "READROOM_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The image viewer's built files (`cargo xtask web` writes them to target/web-viewer),
    /// served under /viewer/.
    #[arg(long, env = "READROOM_WEB_DIR")]
    web_dir: Option<std::path::PathBuf>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let (store, objects) = args.data.open().await?;
    let importer = Importer::new(store.clone(), objects.clone()).await?;
    let removed = importer.remove_uncommitted().await?;
    if !removed.is_empty() {
        tracing::warn!(
            "removed the images of {} studies whose import never completed",
            removed.len()
        );
    }
    let interrupted = importer.close_interrupted_runs().await?;
    if interrupted > 0 {
        tracing::warn!("marked {interrupted} import runs that never ended as failed");
    }
    if !args.no_demo {
        demo::load_bank_once(&store, &importer).await?;
        demo::create_users_once(&store).await?;
        demo::create_programme_once(&store).await?;
    }

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("failed to listen on {}", args.bind))?;
    let mut app = readroom_server::router(AppState {
        store: store.clone(),
        objects,
        secure_cookies: args.secure_cookies,
        clock: readroom_server::Clock::default(),
    });
    match &args.web_dir {
        Some(dir) if dir.join("index.html").is_file() => {
            app = readroom_server::with_viewer(app, dir);
        }
        Some(dir) => anyhow::bail!(
            "{} holds no viewer (no index.html): build it with `cargo xtask web`",
            dir.display()
        ),
        None => tracing::warn!(
            "no --web-dir: the image viewer is not served (cargo xtask run serves it)"
        ),
    }
    // The address actually bound: with port 0 the system picks one, which tests read here.
    println!(
        "Readroom is serving {} cases at http://{}",
        store.case_count().await?,
        listener.local_addr().context("the listening address")?
    );
    if !args.no_demo {
        println!("Demo log-ins (username / password), unless changed since:");
        for role in Role::ALL {
            println!("  {:<8} / {}", role.as_str(), demo::demo_password(role));
        }
    }
    // Connection info gives handlers the client's address, for sign-in throttling and the
    // audit log.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server failed")?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
