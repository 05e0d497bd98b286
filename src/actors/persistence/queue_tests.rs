use super::*;
use crate::db::models::NewHealthCheck;
use chrono::{DateTime, NaiveDateTime};

fn at(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(1_800_000_000 + secs, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

fn check(service: &str, secs: i64) -> WriteOp {
    WriteOp::Check(NewHealthCheck {
        service_name: service.into(),
        status: "up".into(),
        status_code: Some(200),
        response_time_ms: Some(5),
        error_message: None,
        checked_at: at(secs),
    })
}

fn open(service: &str) -> WriteOp {
    WriteOp::OpenOutage {
        service: service.into(),
        start: at(0),
    }
}

fn state(service: &str, failures: i32) -> StateRow {
    StateRow {
        service_name: service.into(),
        consecutive_failures: failures,
        streak_start: None,
        outage_start: None,
        down_alert_sent: false,
        last_checked_at: Some(at(i64::from(failures))),
        updated_at: at(0),
    }
}

fn written(next: Next) -> Batch {
    match next {
        Next::Write(batch) => batch,
        other => panic!("expected a batch, got {other:?}"),
    }
}

#[test]
fn an_urgent_record_is_written_at_once_with_everything_before_it() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(100, t0);
    q.push(vec![check("a", 1)], None, false, false);
    q.push(vec![open("b")], Some(state("b", 2)), true, false);
    let batch = written(q.next(t0, false));
    assert_eq!(batch.ops, [check("a", 1), open("b")]);
    assert_eq!(batch.states, [state("b", 2)]);
    assert_eq!(q.backlog(), 3, "in flight counts until written");
    assert_eq!(q.next(t0, false), Next::Wait, "one batch at a time");
    assert!(!q.written());
    assert_eq!(q.backlog(), 0);
    assert_eq!(q.next(t0, false), Next::Idle);
}

#[test]
fn routine_writes_linger_for_company_then_go_together() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(100, t0);
    q.push(vec![check("a", 1)], None, false, false);
    assert_eq!(q.next(t0, false), Next::WakeIn(LINGER));
    let half = t0 + LINGER / 2;
    q.push(vec![check("b", 1)], None, false, false);
    assert_eq!(
        q.next(half, false),
        Next::Wait,
        "a wake-up is already scheduled"
    );
    q.linger_over();
    assert_eq!(q.next(half, false), Next::WakeIn(LINGER / 2));
    q.linger_over();
    let batch = written(q.next(t0 + LINGER, false));
    assert_eq!(batch.ops, [check("a", 1), check("b", 1)]);
}

#[test]
fn a_full_batch_or_a_flush_does_not_linger() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(10_000, t0);
    q.push(vec![check("a", 1)], None, false, false);
    assert_eq!(written(q.next(t0, true)).ops.len(), 1);
    q.written();
    let many = (0..FULL_BATCH as i64).map(|i| check("a", i)).collect();
    q.push(many, None, false, false);
    assert_eq!(written(q.next(t0, false)).ops.len(), FULL_BATCH);
}

#[test]
fn a_routine_state_waits_for_the_refresh_or_a_flush_and_is_kept_once() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(100, t0);
    q.push(vec![], Some(state("a", 1)), false, true);
    q.push(vec![], Some(state("a", 2)), false, true);
    assert_eq!(q.backlog(), 0, "a routine state is not work owed");
    assert_eq!(q.next(t0, false), Next::Idle);
    let refresh = t0 + STATE_REFRESH;
    assert_eq!(q.next(refresh, false), Next::WakeIn(LINGER), "then routine");
    q.linger_over();
    let batch = written(q.next(refresh + LINGER, false));
    assert_eq!(batch.states, [state("a", 2)], "only the latest");
    q.written();
    q.push(vec![], Some(state("a", 3)), false, true);
    let batch = written(q.next(t0 + STATE_REFRESH, true));
    assert_eq!(batch.states, [state("a", 3)], "a flush takes it too");
}

#[test]
fn an_urgent_state_replaces_the_routine_one_of_its_service() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(100, t0);
    q.push(vec![], Some(state("a", 0)), false, true);
    q.push(vec![], Some(state("a", 1)), true, true);
    let batch = written(q.next(t0, false));
    assert_eq!(batch.states, [state("a", 1)]);
    q.written();
    assert_eq!(q.next(t0 + STATE_REFRESH, true), Next::Idle);
}

#[test]
fn a_failed_batch_goes_back_to_the_front_and_is_retried_with_backoff() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(100, t0);
    q.push(vec![check("a", 1)], Some(state("a", 1)), true, false);
    let batch = written(q.next(t0, false));
    q.push(vec![check("a", 2)], Some(state("a", 2)), false, false);
    let retry = q.failed(batch);
    assert_eq!(
        (retry.after, retry.first, retry.dropped),
        (MIN_BACKOFF, true, 0)
    );
    assert_eq!(q.next(t0, false), Next::Wait, "until the retry is due");
    q.retry_due();
    let batch = written(q.next(t0, false));
    assert_eq!(
        batch.ops,
        [check("a", 1), check("a", 2)],
        "in order, no lingering"
    );
    assert_eq!(batch.states, [state("a", 2)], "the newer state stays");
    let retry = q.failed(batch);
    assert_eq!((retry.after, retry.first), (MIN_BACKOFF * 2, false));
    q.retry_due();
    let mut delay = retry.after;
    while delay < MAX_BACKOFF {
        let batch = written(q.next(t0, false));
        let retry = q.failed(batch);
        q.retry_due();
        delay = retry.after;
    }
    assert_eq!(delay, MAX_BACKOFF, "capped");
    written(q.next(t0, false));
    assert!(q.written(), "the run of failures ends");
    q.push(vec![check("a", 3)], None, true, false);
    let batch = written(q.next(t0, false));
    let retry = q.failed(batch);
    assert_eq!(
        (retry.after, retry.first),
        (MIN_BACKOFF, true),
        "backoff reset"
    );
}

#[test]
fn the_bound_drops_the_oldest_check_rows_only() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(2, t0);
    assert_eq!(
        q.push(vec![open("a"), check("a", 1)], None, false, false),
        0
    );
    assert_eq!(
        q.push(vec![check("a", 2), open("b")], None, false, false),
        2
    );
    assert_eq!(q.dropped_checks(), 2);
    assert_eq!(
        q.push(vec![open("c")], None, true, false),
        0,
        "never an outage"
    );
    let batch = written(q.next(t0, false));
    assert_eq!(batch.ops, [open("a"), open("b"), open("c")]);
    assert_eq!(q.max_backlog(), 2);
}

#[test]
fn a_lost_batch_frees_the_queue() {
    let t0 = Instant::now();
    let mut q = WriteQueue::new(100, t0);
    q.push(vec![check("a", 1)], None, true, false);
    written(q.next(t0, false));
    q.lost();
    assert_eq!(q.backlog(), 0);
    assert_eq!(q.next(t0, false), Next::Idle);
}
