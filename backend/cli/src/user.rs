//! `readroom user …`

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use rand::Rng;
use readroom_domain::Role;
use readroom_store::NewUser;

use crate::DataArgs;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user with one or more roles. Prints a generated password unless
    /// `--password-stdin` is given.
    Add {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        /// trainee, expert, lead or admin; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<Role>,
        /// The name shown to others (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            data,
            username,
            roles,
            display_name,
            password_stdin,
        } => {
            let (store, _) = data.open().await?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("failed to read the password from standard input")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (generate_password(), true)
            };
            let user = store
                .create_user(&NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    password: password.clone(),
                    roles,
                })
                .await
                .context("failed to create the user")?;
            let roles: Vec<&str> = user.roles.iter().map(|role| role.as_str()).collect();
            println!("created {} ({})", user.username, roles.join(", "));
            if generated {
                println!("password: {password}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char)
        .collect()
}
