//! The `export` and `import` commands.

use crate::alert::slack::format_time;
use crate::db::{self, DbError};
use crate::settings::Settings;
use crate::transfer::{django, export, rules, store, Counts, Document};
use std::collections::BTreeSet;
use std::io::{BufWriter, Read};
use std::path::PathBuf;

async fn pool(settings: &Settings) -> Result<db::Pool, String> {
    let pool = db::connect(settings.database.url.expose(), 1).map_err(|e| e.to_string())?;
    db::blocking(pool.clone(), |conn| {
        db::connection::run_migrations(conn).map(drop)
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(pool)
}

/// `watchpost export [--file FILE] [--since RFC3339]`: streams the document to the file or
/// standard output; returns what to print (nothing when the document went to standard output).
pub async fn export(
    settings: &Settings,
    file: Option<PathBuf>,
    since: Option<String>,
) -> Result<String, String> {
    let since = since
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| format!("--since: {s:?} is not an RFC 3339 time"))
        })
        .transpose()?;
    let pool = pool(settings).await?;
    let target = file.clone();
    db::blocking(pool, move |conn| {
        let result = match &target {
            Some(path) => {
                // Owner-only, like the database it copies, even when it replaces a file that
                // others could read (the mode of a new file is set as it is created).
                let failed = |e: std::io::Error| DbError::Task(format!("{}: {e}", path.display()));
                let file = db::connection::owner_only_options()
                    .create(true)
                    .truncate(true)
                    .open(path)
                    .map_err(failed)?;
                db::connection::make_owner_only(&file).map_err(failed)?;
                export::export(conn, &mut BufWriter::new(file), since)
            }
            None => export::export(conn, &mut BufWriter::new(std::io::stdout().lock()), since),
        };
        result.map_err(|e| DbError::Task(e.to_string()))
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(file
        .map(|f| format!("Exported to {}", f.display()))
        .unwrap_or_default())
}

async fn write(settings: &Settings, doc: Document) -> Result<Counts, String> {
    let pool = pool(settings).await?;
    db::blocking(pool, move |conn| {
        use diesel::Connection;
        Ok(conn.transaction(|c| store::write(c, &doc))?)
    })
    .await
    .map_err(|e| e.to_string())
}

/// Applies the admin API's rules to `doc` (see [`rules`]); every problem, or nothing.
fn checked(settings: &Settings, doc: &mut Document) -> Result<(), String> {
    let known: Vec<String> = settings.services.iter().map(|s| s.name.clone()).collect();
    let problems = rules::apply(doc, &known);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}; nothing was imported",
            rules::describe(&problems)
        ))
    }
}

/// `watchpost import --file FILE` (`-`: standard input): all rows in one transaction, or none.
pub async fn import_file(settings: &Settings, file: &str) -> Result<String, String> {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| format!("{file}: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{file}: not JSON: {e}"))?;
    let mut doc =
        Document::parse(&value).map_err(|e| format!("{file}: {e}; nothing was imported"))?;
    checked(settings, &mut doc).map_err(|e| format!("{file}: {e}"))?;
    let counts = write(settings, doc).await?;
    Ok(format!("Imported {counts}"))
}

/// `watchpost import --from-django URL`: the original monitor's history, open outages as
/// outages in progress; prints what it brought.
pub async fn import_django(settings: &Settings, url: &str) -> Result<String, String> {
    let source = url.to_string();
    let mut doc = actix_web::rt::task::spawn_blocking(move || django::read(&source))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{e}; nothing was imported"))?;
    checked(settings, &mut doc)?;
    let configured: BTreeSet<&str> = settings.services.iter().map(|s| s.name.as_str()).collect();
    let found: BTreeSet<String> = doc
        .checks
        .iter()
        .map(|c| c.service_name.clone())
        .chain(doc.outages.iter().map(|o| o.service_name.clone()))
        .collect();
    let unknown: Vec<String> = found
        .iter()
        .filter(|s| !configured.contains(s.as_str()))
        .map(|s| format!("{s:?}"))
        .collect();
    let open: Vec<String> = doc
        .outages
        .iter()
        .filter(|o| o.end_time.is_none())
        .map(|o| format!("{} since {}", o.service_name, format_time(o.start_time)))
        .collect();
    let counts = write(settings, doc).await?;
    let mut out = vec![format!("Imported from the original monitor: {counts}")];
    out.push(if open.is_empty() {
        "Outages left open: none".into()
    } else {
        format!("Outages left open: {}", open.join(", "))
    });
    if !unknown.is_empty() {
        out.push(format!(
            "Services not in the configuration: {}",
            unknown.join(", ")
        ));
    }
    Ok(out.join("\n"))
}
