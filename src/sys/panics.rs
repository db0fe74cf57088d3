//! Running code that is not ours (the xlsx reader and writer) so that a panic inside it becomes
//! an error the user can act on, not a crash with a library's message.
//!
//! The panic hook is process-wide. Swapping it around each call would silence another thread's
//! panic at that moment; instead one hook is installed once, and it stays quiet only for the
//! thread that asked, through a thread-local flag.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// The process's hook `previous`, silent for the threads inside [`contained`].
fn quiet_where_asked(previous: Hook) -> Hook {
    Box::new(move |info| {
        if !QUIET.with(Cell::get) {
            previous(info);
        }
    })
}

fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| std::panic::set_hook(quiet_where_asked(std::panic::take_hook())));
}

/// Runs `f`; a panic inside it is returned as its message instead of ending the process, and
/// prints nothing.
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_panic_becomes_its_message_and_other_threads_keep_their_hook() {
        assert_eq!(contained(|| 7), Ok(7));
        assert_eq!(contained(|| -> () { panic!("inside") }), Err("inside".to_string()));
        // The process's hook (here one that counts this test's panics), wrapped as install_hook
        // wraps it, still hears a panic of another thread while this one is quiet, and never
        // hears the quiet thread's.
        static HEARD: AtomicUsize = AtomicUsize::new(0);
        let before = std::panic::take_hook();
        std::panic::set_hook(quiet_where_asked(Box::new(|info| {
            if info.payload().downcast_ref::<&str>().is_some_and(|m| m.starts_with("panics-test")) {
                HEARD.fetch_add(1, Ordering::SeqCst);
            }
        })));
        let quiet = contained(|| {
            let loud = std::thread::spawn(|| panic!("panics-test: another thread"));
            assert!(loud.join().is_err());
            panic!("panics-test: the quiet thread");
        });
        std::panic::set_hook(before);
        assert_eq!(quiet, Err("panics-test: the quiet thread".to_string()));
        assert_eq!(HEARD.load(Ordering::SeqCst), 1, "the other thread's panic was heard, the quiet one's not");
    }
}
