use super::*;
use crate::domain::outcome::CheckOutcome;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn at(sec: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + sec, 0)
        .single()
        .expect("valid time")
}

fn outcome(up: bool, sec: i64) -> CheckOutcome {
    if up {
        CheckOutcome::up(at(sec), 42, 200)
    } else {
        CheckOutcome::down(at(sec), "Expected 200, got 503", Some(503), Some(5))
    }
}

fn policy(threshold: u32) -> Policy {
    Policy {
        failure_threshold: threshold,
        alerts_held: false,
    }
}

/// Runs a sequence (one outcome per 10 s) and returns every effect with its cycle index.
fn run(seq: &[bool], threshold: u32, held: &[bool]) -> Vec<(usize, Effect)> {
    let mut state = ServiceState::default();
    let mut all = Vec::new();
    for (i, up) in seq.iter().enumerate() {
        let p = Policy {
            failure_threshold: threshold,
            alerts_held: held.get(i).copied().unwrap_or(false),
        };
        let (next, effects) = step(&state, &outcome(*up, i as i64 * 10), p);
        state = next;
        all.extend(effects.into_iter().map(|e| (i, e)));
    }
    all
}

#[test]
fn threshold_one_alerts_on_first_failed_cycle() {
    let effects = run(&[false], 1, &[]);
    assert_eq!(
        effects,
        vec![
            (0, Effect::OpenOutage { start: at(0) }),
            (
                0,
                Effect::AlertDown {
                    start: at(0),
                    status_code: Some(503),
                    error: Some("Expected 200, got 503".into())
                }
            ),
        ]
    );
}

#[test]
fn blip_shorter_than_threshold_produces_nothing() {
    assert!(run(&[true, false, false, true, false, true], 3, &[]).is_empty());
}

#[test]
fn outage_starts_at_first_failure_and_recovery_reports_it() {
    let effects = run(&[true, false, false, false, true], 3, &[]);
    assert_eq!(effects[0], (3, Effect::OpenOutage { start: at(10) }));
    assert!(matches!(effects[1], (3, Effect::AlertDown { start, .. }) if start == at(10)));
    assert_eq!(
        effects[2],
        (
            4,
            Effect::CloseOutage {
                start: at(10),
                end: at(40)
            }
        )
    );
    assert_eq!(
        effects[3],
        (
            4,
            Effect::AlertRecovered {
                start: at(10),
                end: at(40),
                response_time_ms: Some(42)
            }
        )
    );
    assert_eq!(effects.len(), 4);
}

#[test]
fn restored_streak_continues_across_restart() {
    let restored = ServiceState {
        consecutive_failures: 1,
        streak_start: Some(at(0)),
        outage: None,
    };
    let (next, effects) = step(&restored, &outcome(false, 100), policy(2));
    assert_eq!(
        next.outage,
        Some(OpenOutage {
            start: at(0),
            down_alert_sent: true
        })
    );
    assert_eq!(effects[0], Effect::OpenOutage { start: at(0) });
}

#[test]
fn restored_outage_is_not_alerted_again() {
    let restored = ServiceState {
        consecutive_failures: 5,
        streak_start: Some(at(0)),
        outage: Some(OpenOutage {
            start: at(0),
            down_alert_sent: true,
        }),
    };
    let (_, effects) = step(&restored, &outcome(false, 100), policy(2));
    assert!(effects.is_empty());
}

#[test]
fn held_alert_is_sent_when_the_window_ends_and_recovery_inside_sends_nothing() {
    let effects = run(&[false, false, false], 1, &[true, true, false]);
    let alerts: Vec<_> = effects
        .iter()
        .filter(|(_, e)| matches!(e, Effect::AlertDown { .. }))
        .collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].0, 2);
    let effects = run(&[false, true], 1, &[true, true]);
    assert!(effects
        .iter()
        .all(|(_, e)| !matches!(e, Effect::AlertDown { .. } | Effect::AlertRecovered { .. })));
    assert!(effects
        .iter()
        .any(|(_, e)| matches!(e, Effect::CloseOutage { .. })));
}

proptest! {
    #[test]
    fn alerts_follow_the_contract(seq in prop::collection::vec(any::<bool>(), 0..60), threshold in 1u32..6) {
        let effects = run(&seq, threshold, &[]);
        let mut open: Option<DateTime<Utc>> = None;
        for (i, effect) in &effects {
            match effect {
                Effect::AlertDown { start, .. } => {
                    prop_assert!(open.is_none(), "second down alert in one outage");
                    // The outage starts at the first failure of the streak.
                    let first = (0..=*i).rev().take_while(|j| !seq[*j]).last().expect("a failure");
                    prop_assert_eq!(*start, at(first as i64 * 10));
                    // Exactly `threshold` failures confirm it.
                    prop_assert_eq!((i - first + 1) as u32, threshold);
                    open = Some(*start);
                }
                Effect::AlertRecovered { start, end, .. } => {
                    prop_assert_eq!(Some(*start), open, "recovery without its down alert");
                    prop_assert!(*end - *start >= Duration::seconds(10 * i64::from(threshold)));
                    open = None;
                }
                _ => {}
            }
        }
        // Any run of failures at least `threshold` long is alerted, shorter runs never are.
        let runs_at_threshold = seq
            .split(|up| *up)
            .filter(|run| run.len() as u32 >= threshold)
            .count();
        let downs = effects.iter().filter(|(_, e)| matches!(e, Effect::AlertDown { .. })).count();
        prop_assert_eq!(downs, runs_at_threshold);
    }

    #[test]
    fn held_alerts_are_never_doubled(seq in prop::collection::vec(any::<bool>(), 0..60),
                                     held in prop::collection::vec(any::<bool>(), 60),
                                     threshold in 1u32..4) {
        let effects = run(&seq, threshold, &held);
        let mut alerted = false;
        for (i, effect) in &effects {
            match effect {
                Effect::AlertDown { .. } => {
                    prop_assert!(!alerted);
                    prop_assert!(!held[*i], "down alert sent inside a window");
                    alerted = true;
                }
                Effect::AlertRecovered { .. } => { prop_assert!(alerted); alerted = false; }
                Effect::CloseOutage { .. } => {}
                Effect::OpenOutage { .. } => alerted = false,
            }
        }
    }
}

#[test]
fn only_routine_changes_may_wait_for_the_next_batch() {
    let p = policy(3);
    let steady = ServiceState::default();
    let (after_up, _) = step(&steady, &outcome(true, 0), p);
    assert!(!must_store_now(&steady, &after_up), "up stays up");
    let (one, _) = step(&steady, &outcome(false, 10), p);
    assert!(must_store_now(&steady, &one), "a streak begins");
    let (two, _) = step(&one, &outcome(false, 20), p);
    assert!(
        must_store_now(&one, &two),
        "a streak grows before its outage"
    );
    let (reset, _) = step(&two, &outcome(true, 30), p);
    assert!(must_store_now(&two, &reset), "a streak ends");
    let (three, _) = step(&two, &outcome(false, 30), p);
    assert!(must_store_now(&two, &three), "the outage opens");
    let (four, _) = step(&three, &outcome(false, 40), p);
    assert!(!must_store_now(&three, &four), "an open outage counting on");
    let (back, _) = step(&four, &outcome(true, 50), p);
    assert!(must_store_now(&four, &back), "the outage closes");
}
