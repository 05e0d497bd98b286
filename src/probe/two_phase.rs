//! The async two-phase check for job APIs (DESIGN.md §3.1): POST a job, expect
//! `expected_status` and a `task_id`, then poll `base_url + task_id` until the task ends.

use super::http::{request_following, send, Body};
use super::{ms, Failure, Success};
use crate::settings::{AsyncVerification, ServiceSettings};
use awc::Client;
use serde_json::Value;
use std::time::Instant;

/// One two-phase attempt.
pub async fn attempt(
    client: &Client,
    svc: &ServiceSettings,
    verify: &AsyncVerification,
) -> Result<Success, Failure> {
    let started = Instant::now();
    let reply = request_following(
        client,
        svc,
        &svc.method,
        &svc.url,
        svc.request_body.as_ref(),
    )
    .await?;
    let code = Some(reply.status);
    if reply.status != svc.expected_status {
        let error = format!(
            "Phase 1 failed: expected {}, got {}",
            svc.expected_status, reply.status
        );
        return Err(Failure::after(error, code));
    }
    let Some(task_id) = json_of(&reply.body).as_ref().and_then(task_id) else {
        return Err(Failure::after(
            "Phase 1 failed: no task_id in response",
            code,
        ));
    };
    let poll_url = format!("{}{}", verify.base_url, task_id);
    let poll_url = url::Url::parse(&poll_url)
        .map_err(|e| Failure::after(format!("HTTP error: bad poll URL {poll_url:?}: {e}"), code))?;
    for _ in 0..verify.max_poll_attempts {
        actix_web::rt::time::sleep(verify.poll_interval.0).await;
        let Ok(poll) = send(client, "GET", &poll_url, None).await else {
            continue;
        };
        match poll_verdict(json_of(&poll.body).as_ref()) {
            Verdict::Pending => continue,
            // What the check confirmed is the final poll's answer, so its status is stored.
            Verdict::Done(Ok(())) => {
                return Ok(Success {
                    elapsed_ms: ms(started.elapsed()),
                    status_code: poll.status,
                })
            }
            // A failed task keeps the submit's status (as its alert always showed); the final
            // poll's arrival times it.
            Verdict::Done(Err(error)) => {
                return Err(Failure {
                    error,
                    status_code: code,
                    response_ms: Some(ms(started.elapsed())),
                })
            }
        }
    }
    let error = format!(
        "Phase 2: task processing timeout after {} polls",
        verify.max_poll_attempts
    );
    Err(Failure::after(error, code))
}

/// What one poll says.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Still running (or the poll could not be read): poll again.
    Pending,
    /// Finished: up, or down with the error text.
    Done(Result<(), String>),
}

/// Reads a poll's JSON: `SUCCESS` with a non-empty `result` is up; `SUCCESS` with an empty one
/// or `FAILURE` is down; anything else is still pending.
pub fn poll_verdict(body: Option<&Value>) -> Verdict {
    let Some(body) = body else {
        return Verdict::Pending;
    };
    match body.get("state").and_then(Value::as_str) {
        Some("SUCCESS") if is_empty(body.get("result")) => Verdict::Done(Err(
            "Phase 2: task succeeded but returned empty result".into(),
        )),
        Some("SUCCESS") => Verdict::Done(Ok(())),
        Some("FAILURE") => {
            let error = ["error", "result"]
                .iter()
                .find_map(|k| body.get(*k).filter(|v| !is_empty(Some(v))))
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .unwrap_or_else(|| "unknown error".into());
            Verdict::Done(Err(format!("Phase 2: task failed - {error}")))
        }
        _ => Verdict::Pending,
    }
}

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

fn json_of(body: &Body) -> Option<Value> {
    match body {
        Body::Complete(bytes) => serde_json::from_slice(bytes).ok(),
        Body::TooLarge | Body::Broken(_) => None,
    }
}

fn task_id(json: &Value) -> Option<String> {
    match json.get("task_id")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verdicts() {
        let v = |j: Value| poll_verdict(Some(&j));
        assert_eq!(
            v(json!({"state": "SUCCESS", "result": {"refs": [1]}})),
            Verdict::Done(Ok(()))
        );
        assert_eq!(
            v(json!({"state": "SUCCESS", "result": {}})),
            Verdict::Done(Err(
                "Phase 2: task succeeded but returned empty result".into()
            ))
        );
        assert_eq!(
            v(json!({"state": "FAILURE", "error": "boom"})),
            Verdict::Done(Err("Phase 2: task failed - boom".into()))
        );
        assert_eq!(v(json!({"state": "PENDING"})), Verdict::Pending);
        assert_eq!(poll_verdict(None), Verdict::Pending);
        assert_eq!(task_id(&json!({"task_id": 7})), Some("7".into()));
        assert_eq!(task_id(&json!({"task_id": ""})), None);
    }
}
