//! Background workers that survive their own bugs: a task that panics is logged, counted
//! and started again, so that one bad row does not stop a queue in silence.
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Times a worker task died and was started again, for `/metrics`; process-wide, like the
/// workers.
pub static RESTARTS: AtomicU64 = AtomicU64::new(0);

/// Runs the task that `start` makes, and makes another each time one dies of a panic, so
/// that one bug does not leave the rest of its queue waiting in silence. Returns when a task
/// ends normally or the runtime shuts down. A task is started again after `delay`, so that a
/// panic that repeats does not spin a core.
pub async fn supervise<F, Fut>(what: &'static str, delay: Duration, mut start: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        match tokio::spawn(start()).await {
            Ok(()) => return,
            Err(e) if e.is_cancelled() => return,
            Err(e) => {
                RESTARTS.fetch_add(1, Ordering::Relaxed);
                tracing::error!(worker = what, panic = %panic_text(e.into_panic()), "worker died; starting it again");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// How long a worker that died waits before it starts again.
pub const RESTART_DELAY: Duration = Duration::from_millis(500);

/// What a panic said, when it said it with a string.
pub fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dead_worker_is_started_again_and_counted() {
        let before = RESTARTS.load(Ordering::Relaxed);
        let runs = std::sync::Arc::new(AtomicU64::new(0));
        let counted = runs.clone();
        supervise("test", Duration::ZERO, move || {
            let runs = counted.clone();
            async move {
                if runs.fetch_add(1, Ordering::Relaxed) < 2 {
                    panic!("worker bug");
                }
            }
        })
        .await;
        assert_eq!(runs.load(Ordering::Relaxed), 3);
        // Other tests of this process may restart workers too: at least these two.
        assert!(RESTARTS.load(Ordering::Relaxed) >= before + 2);
    }

    #[test]
    fn panic_messages_are_kept() {
        let payload = std::panic::catch_unwind(|| panic!("a {} b", 1)).unwrap_err();
        assert_eq!(panic_text(payload), "a 1 b");
        let payload = std::panic::catch_unwind(|| panic!("static")).unwrap_err();
        assert_eq!(panic_text(payload), "static");
    }
}
