//! The real `watchpost` binary as a child process, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary cargo built for this test run.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_watchpost"))
}

/// A command for the binary in `dir` with a clean environment (PATH and HOME kept).
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.current_dir(dir).env_clear();
    for key in ["PATH", "HOME"] {
        if let Ok(value) = std::env::var(key) {
            cmd.env(key, value);
        }
    }
    cmd.env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs a command to completion.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, env)
        .args(args)
        .output()
        .expect("run watchpost")
}

/// A serving child; killed (SIGKILL) on drop.
pub struct Served {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:{port}`
    pub base: String,
}

impl Served {
    /// Starts `watchpost --config CONFIG serve` in `dir` listening on `port`.
    pub async fn start(dir: &Path, config: &Path, port: u16) -> Served {
        let bind = format!("127.0.0.1:{port}");
        let child = command(dir, &[("WATCHPOST_BIND", &bind)])
            .args(["--config", &config.to_string_lossy(), "serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join(format!("serve-{port}.log"))).expect("log file"),
            ))
            .spawn()
            .expect("spawn watchpost");
        let served = Served {
            child,
            base: format!("http://{bind}"),
        };
        let up = super::eventually(Duration::from_secs(20), || async {
            awc::Client::default()
                .get(format!("{}/healthz", served.base))
                .send()
                .await
                .is_ok()
        })
        .await;
        assert!(up, "watchpost did not start serving");
        served
    }

    /// SIGTERM, then waits for the exit; panics if it is still running after `within`.
    pub async fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let asked = std::time::Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                asked.elapsed() < within,
                "still running {within:?} after SIGTERM"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A port free right now on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
