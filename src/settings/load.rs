//! Loading: layers merged with the `config` crate, then every unit checked with every problem
//! collected, so a bad configuration is reported whole, before anything starts.

use super::admin::RawAdmin;
use super::page::RawStatusPage;
use super::raw::{RawChecks, RawDatabase, RawServer, RawService, RawSlack};
use super::unit::{origin, Unit};
use super::Settings;
use config::{Config, Environment, File, FileFormat, Map, Source, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The shipped defaults, used when `config/default.toml` is not beside the working directory.
const EMBEDDED_DEFAULTS: &str = include_str!("../../config/default.toml");
const SECTIONS: [&str; 7] = [
    "admin",
    "server",
    "database",
    "checks",
    "slack",
    "status_page",
    "services",
];

/// Tables of `config/default.toml` that a user's file replaces as a whole instead of merging
/// into: the shipped services, and Sefaria's branding.
const REPLACED_WHOLE: [&str; 2] = ["services", "status_page"];

/// The original monitor's variable names and the keys they set.
const LEGACY_ENV: [(&str, &str); 11] = [
    ("DATABASE_URL", "database.url"),
    ("SLACK_WEBHOOK_URL", "slack.webhook_url"),
    ("SLACK_CHANNEL", "slack.channel"),
    ("STATUS_PAGE_URL", "status_page.url"),
    ("HEALTH_CHECK_INTERVAL", "checks.interval"),
    ("HEALTH_CHECK_RETRIES", "checks.retries"),
    ("HEALTH_CHECK_RETRY_DELAY", "checks.retry_delay"),
    (
        "ALERT_AFTER_CONSECUTIVE_FAILURES",
        "checks.failure_threshold",
    ),
    ("HEALTH_CHECK_RETENTION_DAYS", "checks.retention_days"),
    ("DEGRADED_RESPONSE_MS", "checks.degraded_response_ms"),
    ("WATCHPOST_BIND", "server.bind"),
];

/// Per-service URL overrides of the shipped services.
const SERVICE_URL_ENV: [(&str, &str); 4] = [
    ("SEFARIA_HEALTH_URL", "sefaria.org"),
    ("MCP_HEALTH_URL", "MCP Server"),
    ("AI_CHATBOT_HEALTH_URL", "AI Chatbot"),
    ("LINKER_HEALTH_URL", "Linker"),
];

/// Where to read configuration from.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--config FILE`; when `None`, `WATCHPOST_CONFIG` from `env` is used.
    pub file: Option<PathBuf>,
    /// The environment to read (the process environment in production).
    pub env: HashMap<String, String>,
    /// Directory holding `config/default.toml` (the working directory in production).
    pub base_dir: PathBuf,
}

impl LoadOptions {
    /// Options for the running process: its environment and working directory.
    pub fn from_process(file: Option<PathBuf>) -> Self {
        LoadOptions {
            file,
            env: std::env::vars().collect(),
            base_dir: PathBuf::from("."),
        }
    }
}

/// Every problem found in the configuration.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Invalid configuration ({} problem(s)):", self.0.len())?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Loads, merges and validates the configuration.
pub fn load(opts: &LoadOptions) -> Result<Settings, ConfigErrors> {
    let file = opts
        .file
        .clone()
        .or_else(|| opts.env.get("WATCHPOST_CONFIG").map(PathBuf::from));
    // A parser's message may quote a line of the file: its URLs are masked.
    let root =
        merged(opts, file.as_deref()).map_err(|e| ConfigErrors(vec![super::mask::text(&e)]))?;
    let mut errors = Vec::new();
    for key in root.keys().filter(|k| !SECTIONS.contains(&k.as_str())) {
        errors.push(format!(
            "{}: unknown key `{key}` (known: {})",
            origin(root.get(key)),
            SECTIONS.join(", ")
        ));
    }
    let settings = resolve(&root, &opts.env, &mut errors);
    match settings {
        Some(settings) if errors.is_empty() => Ok(settings),
        _ => Err(ConfigErrors(errors)),
    }
}

fn merged(opts: &LoadOptions, file: Option<&Path>) -> Result<Map<String, Value>, String> {
    let user = match file {
        Some(path) => {
            let cfg = Config::builder()
                .add_source(File::from(path).required(true))
                .build();
            Some(cfg.map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let replaced: Vec<&str> = REPLACED_WHOLE
        .into_iter()
        .filter(|table| user.as_ref().is_some_and(|c| c.get::<Value>(table).is_ok()))
        .collect();
    let mut builder = Config::builder().add_source(defaults_source(opts, &replaced)?);
    if let Some(path) = file {
        builder = builder.add_source(File::from(path).required(true));
    }
    let env = Environment::with_prefix("WATCHPOST")
        .prefix_separator("__")
        .separator("__");
    builder = builder.add_source(env.source(Some(opts.env.clone().into_iter().collect())));
    for (var, key) in LEGACY_ENV {
        builder = builder
            .set_override_option(key, opts.env.get(var).cloned())
            .map_err(|e| format!("{var}: {e}"))?;
    }
    let config = builder.build().map_err(|e| e.to_string())?;
    config.collect().map_err(|e| e.to_string())
}

/// `config/default.toml` (or its embedded copy), without the tables of [`REPLACED_WHOLE`] the
/// user's file sets.
fn defaults_source(
    opts: &LoadOptions,
    replaced: &[&str],
) -> Result<File<config::FileSourceString, FileFormat>, String> {
    let path = opts.base_dir.join("config/default.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| EMBEDDED_DEFAULTS.to_string());
    let mut table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for name in replaced {
        table.remove(*name);
    }
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    Ok(File::from_str(&text, FileFormat::Toml))
}

fn resolve(
    root: &Map<String, Value>,
    env: &HashMap<String, String>,
    errors: &mut Vec<String>,
) -> Option<Settings> {
    let checked = |name: &str| Unit::new(root.get(name).cloned(), name.to_string());
    let mut server = checked("server").resolve(errors, |r: RawServer, p| r.resolve(p));
    let database = checked("database").resolve(errors, |r: RawDatabase, p| Some(r.resolve(p)));
    let checks = checked("checks").resolve(errors, |r: RawChecks, p| Some(r.resolve(p)));
    let slack = checked("slack").resolve(errors, |r: RawSlack, p| Some(r.resolve(p)));
    let status_page =
        checked("status_page").resolve(errors, |r: RawStatusPage, p| Some(r.resolve(p)));
    let env_token = env.get("ADMIN_TOKEN").map(String::as_str);
    let admin = checked("admin").resolve(errors, |r: RawAdmin, p| Some(r.resolve(p, env_token)));
    if let (Some(server), Some(port), None) =
        (server.as_mut(), env.get("PORT"), env.get("WATCHPOST_BIND"))
    {
        match port.parse() {
            Ok(port) => server.bind.set_port(port),
            Err(_) => errors.push(format!("environment: PORT: {port:?} is not a port number")),
        }
    }
    let services = services(root.get("services"), checks.as_ref(), env, errors);
    Some(Settings {
        server: server?,
        database: database?,
        checks: checks?,
        slack: slack?,
        status_page: status_page?,
        admin: admin?,
        services,
    })
}

/// The services, checked even when `[checks]` is bad (against the built-in defaults then), so
/// that their problems are reported with the others.
fn services(
    value: Option<&Value>,
    checks: Option<&super::CheckDefaults>,
    env: &HashMap<String, String>,
    errors: &mut Vec<String>,
) -> Vec<super::ServiceSettings> {
    let fallback;
    let defaults = match checks {
        Some(checks) => checks,
        None => {
            fallback = RawChecks::default().resolve(&mut Vec::new());
            &fallback
        }
    };
    let mut services = resolve_services(value, defaults, errors);
    apply_url_overrides(&mut services, env, errors);
    services
}

fn resolve_services(
    value: Option<&Value>,
    defaults: &super::CheckDefaults,
    errors: &mut Vec<String>,
) -> Vec<super::ServiceSettings> {
    let items = match value.map(|v| v.clone().into_array()) {
        None => Vec::new(),
        Some(Ok(items)) => items,
        Some(Err(_)) => {
            errors.push(format!(
                "{}: services: expected a list of [[services]] tables",
                origin(value)
            ));
            Vec::new()
        }
    };
    let mut seen = HashSet::new();
    let mut services = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let name = item
            .clone()
            .into_table()
            .ok()
            .and_then(|t| t.get("name").and_then(|n| n.clone().into_string().ok()));
        let path = match &name {
            Some(name) => format!("services[{i}] ({name:?})"),
            None => format!("services[{i}]"),
        };
        let unit = Unit::new(Some(item), path.clone());
        if let Some(name) = name.filter(|n| !seen.insert(n.clone())) {
            errors.push(format!(
                "{}: {path}.name: duplicate service name {name:?}",
                unit.origin
            ));
        }
        services.extend(unit.resolve(errors, |r: RawService, p| r.resolve(defaults, p)));
    }
    services
}

fn apply_url_overrides(
    services: &mut [super::ServiceSettings],
    env: &HashMap<String, String>,
    errors: &mut Vec<String>,
) {
    for (var, name) in SERVICE_URL_ENV {
        let (Some(raw), Some(svc)) = (env.get(var), services.iter_mut().find(|s| s.name == name))
        else {
            continue;
        };
        match url::Url::parse(raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => svc.url = url,
            _ => errors.push(format!(
                "environment: {var}: {:?} is not an http:// or https:// URL",
                super::mask::url(raw)
            )),
        }
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "load_fuzz_tests.rs"]
mod fuzz_tests;
