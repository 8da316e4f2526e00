use clap::Parser;
use migration::MigratorTrait;
use sea_orm::ActiveEnum;

use ntm_api::config::{
    AuditCommand, Cli, Command, ExportCommand, ImportCommand, StorageCommand, UserCommand,
};
use ntm_api::services::audit::Context;
use ntm_api::startup::{self, Application};
use ntm_api::{import, import_criteria, services, telemetry};

/// mimalloc: the request path allocates a lot, and glibc's per-thread arenas inflate the
/// resident memory of a multi-threaded server (measured in docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // Before anything builds an HTTP client (the OpenTelemetry exporter, the S3 store):
    // their rustls needs its crypto provider chosen.
    services::documents::storage::install_tls();
    let cli = Cli::parse();
    let config = cli.config;
    // Kept to the end: dropping it flushes the traces still pending.
    let _telemetry = telemetry::init(config.log_format.as_deref());
    let command = cli.command.unwrap_or(Command::Serve);
    // What the command line writes is in the audit trail as `ntm-api <command>`.
    let context = match &command {
        Command::Import(ImportCommand::Assessments { by, .. }) => {
            Context::command_line("import assessments", by)
        }
        Command::Import(ImportCommand::Units { .. }) => {
            Context::command_line("import units", "command line")
        }
        Command::Import(ImportCommand::Criteria { .. }) => {
            Context::command_line("import criteria", "command line")
        }
        Command::User(_) => Context::command_line("user create", "command line"),
        Command::Audit(_) => Context::command_line("audit prune", "command line"),
        _ => Context::new("ntm-api start-up"),
    };
    services::audit::scope(context, run(command, config)).await
}

async fn run(command: Command, config: ntm_api::config::Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            tracing::info!(config = ?config, "starting ntm-api");
            let app = Application::build(config).await?;
            // Loading the reference data allocates tens of MiB once; hand those pages back
            // to the system instead of keeping them cached in mimalloc's segments.
            // SAFETY: mi_collect only releases free memory of the allocator in use.
            unsafe { libmimalloc_sys::mi_collect(true) };
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = startup::connect(&config).await?;
            migration::Migrator::up(&db, None).await?;
            println!("migrations applied");
        }
        Command::Backup { file } => {
            let db = startup::connect(&config).await?;
            let started = std::time::Instant::now();
            let backup = services::backup::sqlite_online_copy(&db, &file).await?;
            println!(
                "{}: {} bytes, checked, in {:.1} s",
                file.display(),
                backup.bytes,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Ready => {
            if let Err(e) = ntm_api::health_probe::ready(&config.bind) {
                eprintln!("not ready: {e}");
                std::process::exit(1);
            }
            println!("ready");
        }
        Command::Openapi => {
            println!("{}", startup::openapi_document().to_pretty_json()?);
        }
        Command::Import(ImportCommand::Units { file }) => {
            let db = startup::connect(&config).await?;
            startup::prepare_database(&db, &config).await?;
            let summary = import::import_units(&db, &file, true).await?;
            for (line, message) in &summary.errors {
                eprintln!("line {line}: {message}");
            }
            println!("{}: {summary}", file.display());
            if !summary.errors.is_empty() {
                std::process::exit(2);
            }
        }
        Command::Import(ImportCommand::Assessments { file, by }) => {
            let db = startup::connect(&config).await?;
            startup::prepare_database(&db, &config).await?;
            let started = std::time::Instant::now();
            let summary = import::import_assessments(&db, &file, &by, true).await?;
            for (line, message) in &summary.errors {
                eprintln!("line {line}: {message}");
            }
            println!(
                "{}: {summary} in {:.1} s",
                file.display(),
                started.elapsed().as_secs_f64()
            );
            if !summary.errors.is_empty() {
                std::process::exit(2);
            }
        }
        Command::Import(ImportCommand::Criteria {
            file,
            into,
            revise,
            label,
            effective_from,
        }) => {
            let db = startup::connect(&config).await?;
            startup::prepare_database(&db, &config).await?;
            let target = match (into, revise, label, effective_from) {
                (Some(id), _, _, _) => Some(import_criteria::CsvTarget::Into(id)),
                (None, Some(version), Some(label), Some(effective_from)) => {
                    Some(import_criteria::CsvTarget::Revise {
                        version,
                        label,
                        effective_from,
                    })
                }
                _ => None,
            };
            match import_criteria::import_criteria(&db, &file, target).await? {
                Ok(drafts) => {
                    for draft in drafts {
                        println!("{}: draft {draft} written", file.display());
                    }
                }
                Err(lines) => {
                    for problem in &lines {
                        eprintln!("{problem}");
                    }
                    eprintln!(
                        "{}: {} problem(s), nothing written",
                        file.display(),
                        lines.len()
                    );
                    std::process::exit(2);
                }
            }
        }
        Command::Export(ExportCommand::Criteria { version, file }) => {
            let db = startup::connect(&config).await?;
            startup::prepare_database(&db, &config).await?;
            let rows = import_criteria::export_criteria(&db, version, &file).await?;
            println!(
                "{}: {rows} rows of criteria version {version}",
                file.display()
            );
        }
        Command::User(UserCommand::Create {
            username,
            role,
            scope,
            password,
        }) => {
            let db = startup::connect(&config).await?;
            startup::prepare_database(&db, &config).await?;
            let role = ntm_api::access::Role::try_from_value(&role).map_err(|_| {
                anyhow::anyhow!(
                    "unknown role {role}: admin, province, district, commune, sponsor or viewer"
                )
            })?;
            services::users::resolve_user_scope(&db, role, scope.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (ntm_api::domain::password::generate(), true),
            };
            services::users::create_user(&db, &username, &password, role, scope.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
            println!("user {username} created ({})", role.as_str());
            if generated {
                println!("password: {password}");
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = startup::connect(&config).await?;
            migration::Migrator::up(&db, None).await?;
            let verified = services::audit::verify(&db).await?;
            for problem in &verified.breaks {
                eprintln!("BROKEN: {problem}");
            }
            if verified.breaks.is_empty() {
                println!(
                    "audit trail intact: {} entries chain from {}",
                    verified.entries,
                    if verified.anchor.is_empty() {
                        "the beginning".to_string()
                    } else {
                        format!("the pruned entry {}", verified.anchor)
                    }
                );
            } else {
                eprintln!(
                    "audit trail broken: {} problem(s) in {} entries",
                    verified.breaks.len(),
                    verified.entries
                );
                std::process::exit(1);
            }
        }
        Command::Storage(StorageCommand::Check { fix, min_age }) => {
            let db = startup::connect(&config).await?;
            migration::Migrator::up(&db, None).await?;
            let store = startup::document_store(&config)?;
            let report = services::documents::check::run(
                &db,
                &store.storage,
                std::time::Duration::from_secs(min_age),
                fix,
            )
            .await?;
            for (id, sha) in &report.missing {
                println!("MISSING: document {id}: bytes {sha} are not in the store");
            }
            for (path, size) in &report.orphans {
                let young = report.young.contains(path);
                println!(
                    "ORPHAN: {path} ({size} bytes){}",
                    if young {
                        format!(", younger than {min_age} s: kept")
                    } else if fix {
                        ", deleted".to_string()
                    } else {
                        String::new()
                    }
                );
            }
            println!(
                "{}: {} blob(s) held by documents, {} missing, {} orphan(s), {} deleted",
                store.storage.describe,
                report.blobs,
                report.missing.len(),
                report.orphans.len(),
                report.deleted
            );
            if !report.missing.is_empty() || report.orphans.len() > report.deleted {
                std::process::exit(1);
            }
        }
        Command::Audit(AuditCommand::Prune { days }) => {
            let Some(days) = days.or(config.audit_retention_days) else {
                println!("no retention period (NTM_AUDIT_RETENTION_DAYS): every entry is kept");
                return Ok(());
            };
            let db = startup::connect(&config).await?;
            migration::Migrator::up(&db, None).await?;
            let before = chrono::Utc::now() - chrono::Duration::days(days.into());
            let removed = services::audit::prune(&db, before).await?;
            println!("{removed} audit entries older than {days} days removed");
        }
    }
    Ok(())
}
