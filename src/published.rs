//! [`Published`]: one value many tasks read and one writer replaces whole. Readers take the
//! current `Arc` and keep it as long as they like; the writer swaps in a new one without
//! waiting for them, so a reader never waits on the writer's work, only on a pointer swap.
//! The operators' board (for the monitors) and the status snapshot (for the web) both go
//! through it, so there is one way to share a read-mostly value across actors and handlers.

use std::sync::{Arc, RwLock};

/// A shared, replaceable `Arc<T>`: clones are handles to the same cell.
#[derive(Debug)]
pub struct Published<T>(Arc<RwLock<Arc<T>>>);

impl<T> Clone for Published<T> {
    fn clone(&self) -> Self {
        Published(self.0.clone())
    }
}

impl<T: Default> Default for Published<T> {
    fn default() -> Self {
        Published::new(T::default())
    }
}

impl<T> Published<T> {
    /// A cell showing `value`.
    pub fn new(value: T) -> Self {
        Published(Arc::new(RwLock::new(Arc::new(value))))
    }

    /// Replaces what the cell shows (readers holding the old value keep it).
    pub fn publish(&self, value: T) {
        self.publish_arc(Arc::new(value));
    }

    /// Replaces what the cell shows with an already shared value.
    pub fn publish_arc(&self, value: Arc<T>) {
        // A poisoned lock only means a writer panicked mid-swap of a pointer: the value in it
        // is whole, so keep publishing rather than freeze the cell.
        let mut current = self.0.write().unwrap_or_else(|p| p.into_inner());
        *current = value;
    }

    /// What the cell shows now.
    pub fn current(&self) -> Arc<T> {
        self.0
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::Published;

    #[test]
    fn readers_keep_what_they_took_and_see_the_next_value() {
        let cell = Published::new(1);
        let reader = cell.clone();
        let held = reader.current();
        cell.publish(2);
        assert_eq!((*held, *reader.current()), (1, 2));
    }
}
