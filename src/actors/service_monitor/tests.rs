use super::*;
use crate::actors::service_monitor::cycle::MonitorCore;
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
fn the_grid_is_the_coarsest_step_within_the_fleets_and_a_tenth_of_the_interval() {
    let (ms, s) = (Duration::from_millis, Duration::from_secs);
    let second = ms(1000);
    assert_eq!(grid_for(s(60), second), second);
    assert_eq!(grid_for(s(10), second), second);
    assert_eq!(grid_for(ms(9_999), second), ms(500));
    assert_eq!(grid_for(s(5), second), ms(500));
    assert_eq!(grid_for(ms(2_500), second), ms(250));
    assert_eq!(grid_for(ms(1_500), second), ms(100));
    assert_eq!(grid_for(ms(500), second), ms(50));
    // Shorter intervals than ten of the finest step stay on it.
    assert_eq!(grid_for(ms(200), second), TICK);
    // A busy fleet's grid bounds every monitor's.
    assert_eq!(grid_for(s(60), ms(100)), ms(100));
    assert_eq!(grid_for(s(60), TICK), TICK);
}

#[test]
fn a_fleet_takes_the_finest_grid_starting_a_hundred_cycles_a_step() {
    let (ms, s) = (Duration::from_millis, Duration::from_secs);
    let fleet = |n: usize, interval: Duration| fleet_grid(std::iter::repeat_n(interval, n));
    assert_eq!(fleet(10_000, s(10)), ms(100));
    assert_eq!(fleet(20_000, s(10)), TICK);
    assert_eq!(fleet(100_000, s(10)), TICK);
    assert_eq!(fleet(4_000, s(10)), ms(250));
    assert_eq!(fleet(1_000, s(10)), ms(1000));
    assert_eq!(fleet(100, s(10)), ms(1000));
    assert_eq!(fleet(0, s(10)), ms(1000));
    // Rates add up across intervals: 1,000 every second and 1,000 every minute.
    let mixed = std::iter::repeat_n(s(1), 1_000).chain(std::iter::repeat_n(s(60), 1_000));
    assert_eq!(fleet_grid(mixed), ms(100));
}

#[test]
fn rounding_to_the_grid_never_stretches_the_interval() {
    // 1.23 s on a 100 ms grid: each start is rounded up, the plan is not, so the starts stay
    // within one step of k x 1.23 s and do not drift to 1.3 s apart.
    let epoch = Instant::now();
    let interval = Duration::from_millis(1_230);
    let step = grid_for(interval, Duration::from_secs(1));
    let grid = (epoch, step);
    let (mut planned, mut due) = next_start(None, epoch, Duration::ZERO, interval, grid);
    assert_eq!(due, epoch);
    for k in 1..=100u32 {
        let now = due + Duration::from_millis(3); // the cycle took 3 ms
        (planned, due) = next_start(Some(planned), now, Duration::ZERO, interval, grid);
        let exact = epoch + interval * k;
        assert_eq!(planned, exact, "cycle {k}");
        assert!(
            due >= exact && due - exact < step,
            "cycle {k}: {due:?} vs {exact:?}"
        );
    }
}

#[test]
fn a_slow_cycle_delays_the_next_instead_of_queueing_one() {
    let epoch = Instant::now();
    let interval = Duration::from_secs(10);
    let grid = (epoch, Duration::from_secs(1));
    let first = Duration::from_millis(2_300);
    let (planned, due) = next_start(None, epoch, first, interval, grid);
    assert_eq!(planned, epoch + first);
    assert_eq!(due, epoch + Duration::from_secs(3));
    // That cycle took 25 s: the next is planned when it ended, and starts on the next step.
    let now = epoch + Duration::from_millis(28_001);
    let (planned, due) = next_start(Some(planned), now, Duration::ZERO, interval, grid);
    assert_eq!(planned, now);
    assert_eq!(due, epoch + Duration::from_secs(29));
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
