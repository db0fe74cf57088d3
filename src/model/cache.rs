//! Things built once per network and kept for the process: the worksheet's columns, the
//! finite-difference formulas, the mistakes' touched columns, `check`'s parsed variants.

use std::sync::Mutex;

use crate::model::network::Network;

/// One `T` per network, built the first time it is asked for and never freed: at most a few
/// hundred networks exist, and a run meets one or two, so leaking them costs nothing and lets
/// every reader hold a `&'static T`.
pub(crate) struct PerNetwork<T: 'static> {
    built: Mutex<Vec<(Network, &'static T)>>,
}

impl<T> PerNetwork<T> {
    pub(crate) const fn new() -> PerNetwork<T> {
        PerNetwork { built: Mutex::new(Vec::new()) }
    }

    /// The `T` of `network`, built by `build` the first time.
    pub(crate) fn get(&'static self, network: Network, build: impl FnOnce() -> T) -> &'static T {
        let mut built = self.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, t)) = built.iter().find(|(n, _)| *n == network) {
            return t;
        }
        let t: &'static T = Box::leak(Box::new(build()));
        built.push((network, t));
        t
    }
}
