use super::*;
use crate::actors::cycle::MonitorCore;
use crate::domain::state::ServiceState;
use crate::settings::{load, LoadOptions};
use std::sync::{Arc, Mutex};

/// Collects every message it receives.
struct Recorder<M: Message<Result = ()> + Send>(Arc<Mutex<Vec<M>>>);

impl<M: Message<Result = ()> + Send + 'static> Actor for Recorder<M> {
    type Context = Context<Self>;
}

impl<M: Message<Result = ()> + Send + 'static> Handler<M> for Recorder<M> {
    type Result = ();

    fn handle(&mut self, msg: M, _: &mut Self::Context) {
        self.0.lock().expect("lock").push(msg);
    }
}

fn recorder<M: Message<Result = ()> + Send + 'static>() -> (Recipient<M>, Arc<Mutex<Vec<M>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    (Recorder(seen.clone()).start().recipient(), seen)
}

fn refused_service() -> Arc<ServiceSettings> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("c.toml");
    let toml = "[checks]\ninterval = 0.05\nretries = 1\nfailure_threshold = 100\n\
                [[services]]\nname = \"gone\"\nurl = \"http://127.0.0.1:1/\"\ntimeout = 1\n";
    std::fs::write(&path, toml).expect("write");
    let opts = LoadOptions {
        file: Some(path),
        env: Default::default(),
        base_dir: dir.path().into(),
    };
    Arc::new(load(&opts).expect("valid").services.remove(0))
}

fn failures(records: &Arc<Mutex<Vec<Record>>>) -> Vec<i32> {
    let records = records.lock().expect("lock");
    records
        .iter()
        .filter_map(|r| r.state.as_ref().map(|s| s.consecutive_failures))
        .collect()
}

#[actix_web::test]
async fn supervisor_restart_keeps_the_streak_and_the_schedule() {
    let (persistence, records) = recorder::<Record>();
    let (cache, _) = recorder::<StatusUpdate>();
    let (alerter, _) = recorder::<Deliver>();
    let links = MonitorLinks {
        persistence,
        cache,
        alerter,
    };
    let core = MonitorCore::new(
        refused_service(),
        ServiceState::default(),
        Arc::from("https://s"),
    );
    let client = crate::probe::client();
    let monitor =
        Supervisor::start(move |_| ServiceMonitor::new(core, client, links, Duration::ZERO));
    let wait_for = |n: usize| {
        let records = records.clone();
        async move {
            for _ in 0..200 {
                if failures(&records).len() >= n {
                    return;
                }
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_for(2).await;
    monitor.do_send(StopForTest);
    let before = failures(&records).len();
    wait_for(before + 2).await;
    let streak = failures(&records);
    assert!(
        streak.len() >= before + 2,
        "monitor did not run after its restart: {streak:?}"
    );
    let expected: Vec<i32> = (1..=streak.len() as i32).collect();
    assert_eq!(
        streak, expected,
        "the streak must continue across the restart"
    );
}

#[actix_web::test]
async fn a_panicking_probe_is_inconclusive_and_leaves_the_streak_alone() {
    let result = guarded(async { panic!("out of sockets") }).await;
    assert_eq!(
        result,
        CycleResult::Inconclusive("probe panicked: out of sockets".into())
    );
    let state = ServiceState {
        consecutive_failures: 1,
        streak_start: Some(chrono::Utc::now()),
        outage: None,
    };
    let mut core = MonitorCore::new(refused_service(), state.clone(), Arc::from("https://s"));
    assert!(
        core.apply(result).is_none(),
        "an inconclusive cycle was recorded"
    );
    assert_eq!(core.state, state);
}

#[test]
fn planned_starts_round_up_to_the_grid() {
    let epoch = Instant::now();
    let tick = Duration::from_millis(10);
    let at = |micros: u64| epoch + Duration::from_micros(micros);
    assert_eq!(align_up(epoch, epoch, tick), epoch);
    assert_eq!(align_up(at(1), epoch, tick), at(10_000));
    assert_eq!(align_up(at(10_000), epoch, tick), at(10_000));
    assert_eq!(align_up(at(10_001), epoch, tick), at(20_000));
    assert_eq!(align_up(at(2_500_000), epoch, tick), at(2_500_000));
    let before = epoch.checked_sub(Duration::from_secs(1)).unwrap_or(epoch);
    assert_eq!(align_up(before, epoch, tick), epoch);
}

#[test]
fn only_a_state_whose_time_alone_moved_may_wait_for_the_refresh() {
    use crate::domain::outcome::CheckOutcome;
    use crate::domain::state::OpenOutage;
    let now = chrono::Utc::now();
    let up = || CycleResult::Checked(CheckOutcome::up(now, 5, 200));
    let down = || {
        CycleResult::Checked(CheckOutcome::down(
            now,
            "Expected 200, got 503",
            Some(503),
            Some(5),
        ))
    };
    let mut core = MonitorCore::new(
        refused_service(),
        ServiceState::default(),
        Arc::from("https://s"),
    );
    let steady = core.apply(up()).expect("recorded").record;
    assert!(
        steady.state_refresh_only && !steady.urgent,
        "healthy and unchanged"
    );
    let begins = core.apply(down()).expect("recorded").record;
    assert!(
        begins.urgent && !begins.state_refresh_only,
        "a streak begins"
    );

    let outage = ServiceState {
        consecutive_failures: 100,
        streak_start: Some(now),
        outage: Some(OpenOutage {
            start: now,
            down_alert_sent: true,
        }),
    };
    let mut core = MonitorCore::new(refused_service(), outage, Arc::from("https://s"));
    let counting = core.apply(down()).expect("recorded").record;
    assert!(
        !counting.urgent && !counting.state_refresh_only,
        "an outage counting on goes with the next batch, not the minute's refresh"
    );
}
