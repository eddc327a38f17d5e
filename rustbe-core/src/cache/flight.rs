//! Single flight: concurrent misses of one key in this process share one load. The first
//! caller's load runs; the others wait for its outcome. An invalidation while a load runs
//! marks it stale, so its value is not stored.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::OnceCell;

/// One load in progress, shared by every concurrent miss of its key.
#[derive(Default)]
pub(super) struct Flight {
    /// The encoded value, or the loader's error as every waiter sees it.
    pub(super) outcome: OnceCell<Result<Bytes, (crate::ErrorCode, String)>>,
    /// Set by an invalidation while the load runs: its value must not be stored.
    stale: AtomicBool,
}

impl Flight {
    /// Whether the key was invalidated since this load began.
    pub(super) fn is_stale(&self) -> bool {
        self.stale.load(Ordering::SeqCst)
    }
}

/// The loads in progress, by key.
#[derive(Default)]
pub(super) struct Flights {
    running: Mutex<HashMap<String, Arc<Flight>>>,
}

impl Flights {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Flight>>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The flight of `key`, joined or begun; it leaves the map when the returned guard is
    /// dropped (so an abandoned load never leaks an entry).
    pub(super) fn join<'a>(&'a self, key: &'a str) -> FlightGuard<'a> {
        let flight = self.lock().entry(key.to_owned()).or_default().clone();
        FlightGuard {
            flights: self,
            key,
            flight,
        }
    }

    /// Marks the load of `key` in progress, if any, stale, and forgets it: the next miss
    /// begins a new one.
    pub(super) fn invalidate(&self, key: &str) {
        if let Some(flight) = self.lock().remove(key) {
            flight.stale.store(true, Ordering::SeqCst);
        }
    }

    /// How many loads are in progress.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A participant of a flight; removes the flight from the map when done or dropped, if the
/// map still holds that same flight.
pub(super) struct FlightGuard<'a> {
    flights: &'a Flights,
    key: &'a str,
    flight: Arc<Flight>,
}

impl std::ops::Deref for FlightGuard<'_> {
    type Target = Flight;

    fn deref(&self) -> &Flight {
        &self.flight
    }
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        let mut running = self.flights.lock();
        if running
            .get(self.key)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
        {
            running.remove(self.key);
        }
    }
}
