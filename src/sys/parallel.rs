//! The one way work is spread over the cores: items taken in turn by a few threads, their
//! results handed on in input order as soon as each and those before it are done.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many threads a `--jobs` left unset means: one per core.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Runs `work(i)` for every `i` in `0..count` on up to `jobs` threads, the calling one among
/// them, and hands each result to `each(i, result)` in order of `i`, as soon as it and those
/// before it are done. `each` returns whether to go on: once it says no, no further item is
/// started (those under way finish). A result is kept only until its turn, so memory is bounded
/// by the items in flight. Where the system gives fewer threads than asked for (a process
/// limit), the work goes on with those it gave.
pub(crate) fn run_ordered<T: Send>(
    count: usize,
    jobs: usize,
    work: impl Fn(usize) -> T + Sync,
    each: impl FnMut(usize, T) -> bool + Send,
) {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Results done before their turn, the index whose turn it is, and the receiver.
    let pending: Mutex<(BTreeMap<usize, T>, usize, _)> = Mutex::new((BTreeMap::new(), 0, each));
    let worker = || {
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= count {
                return;
            }
            let result = work(k);
            let mut state = pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (done, turn, each) = &mut *state;
            done.insert(k, result);
            while let Some(result) = done.remove(turn) {
                if !each(*turn, result) {
                    stop.store(true, Ordering::Relaxed);
                }
                *turn += 1;
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..jobs.clamp(1, count.max(1)) {
            if std::thread::Builder::new().spawn_scoped(scope, worker).is_err() {
                break;
            }
        }
        worker();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_order_whatever_finishes_first() {
        let mut seen = Vec::new();
        run_ordered(
            20,
            4,
            |i| {
                // Later items finish first.
                std::thread::sleep(std::time::Duration::from_millis(20 - i as u64));
                i * i
            },
            |i, r| {
                seen.push((i, r));
                true
            },
        );
        assert_eq!(seen, (0..20).map(|i| (i, i * i)).collect::<Vec<_>>());
    }

    #[test]
    fn saying_stop_starts_no_further_item() {
        let started = AtomicUsize::new(0);
        let mut seen = 0;
        run_ordered(
            1000,
            1,
            |_| started.fetch_add(1, Ordering::Relaxed),
            |i, _| {
                seen += 1;
                i < 4
            },
        );
        assert_eq!(seen, 5);
        assert_eq!(started.load(Ordering::Relaxed), 5, "one thread: nothing started after the stop");
    }

    #[test]
    fn more_jobs_than_items_or_none_at_all() {
        let mut seen = Vec::new();
        run_ordered(
            3,
            64,
            |i| i,
            |i, _| {
                seen.push(i);
                true
            },
        );
        assert_eq!(seen, [0, 1, 2]);
        run_ordered(0, 0, |i| i, |_, _| panic!("no items"));
    }
}
