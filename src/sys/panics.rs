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

fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
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

    #[test]
    fn a_panic_becomes_its_message_and_other_threads_keep_their_hook() {
        assert_eq!(contained(|| 7), Ok(7));
        assert_eq!(contained(|| -> () { panic!("inside") }), Err("inside".to_string()));
        // Another thread's panic still reaches the hook while this one is quiet.
        let other = std::thread::spawn(|| QUIET.with(Cell::get)).join().unwrap();
        assert!(!other, "only the asking thread is quiet");
    }
}
