//! The one registry of memory that background tasks hold. fitAsync writes
//! its model's parameters and reads its data (it holds them exclusively: a
//! concurrent read could see a half-written step, a write would race it);
//! forwardAsync reads its parameters and input (shared: reads stay allowed).
//! Holds are by memory span, not by handle, so an alias made before the task
//! (a view, a detach(), a stateDict() entry) is held like the tensor the
//! task was given. The registry belongs to the thread that starts tasks (the
//! JS thread): a task's `HoldGuard` is made and dropped there.
use crate::memory::memory_span;
use crate::{Error, Result};
use std::cell::{Cell, RefCell};
use tch::Tensor;

/// What a background task does with the memory it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// fitAsync: nothing else may read or write it.
    Exclusive,
    /// forwardAsync: others may read it, not write it.
    Shared,
}

impl Hold {
    /// The task that holds memory this way, as users call it.
    pub fn task(self) -> &'static str {
        match self {
            Hold::Exclusive => "fitAsync",
            Hold::Shared => "forwardAsync",
        }
    }
}

/// What the caller is about to do with a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

struct HeldSpan {
    guard: u64,
    span: (usize, usize),
    hold: Hold,
}

thread_local! {
    /// Empty almost always, so a check costs one thread-local read.
    static HELD: RefCell<Vec<HeldSpan>> = const { RefCell::new(Vec::new()) };
    static NEXT_GUARD: Cell<u64> = const { Cell::new(1) };
}

/// Memory held until dropped (when the task settles).
#[must_use = "the memory is released when the guard drops"]
pub struct HoldGuard {
    id: u64,
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        HELD.with(|held| held.borrow_mut().retain(|h| h.guard != self.id));
    }
}

/// Holds the memory of `tensors` the given way until the guard drops.
pub fn hold<'a>(tensors: impl IntoIterator<Item = &'a Tensor>, how: Hold) -> HoldGuard {
    let id = NEXT_GUARD.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        for span in tensors.into_iter().filter_map(memory_span) {
            held.push(HeldSpan {
                guard: id,
                span,
                hold: how,
            });
        }
    });
    HoldGuard { id }
}

/// Whether anything is held at all (a quick test before walking tensors).
pub fn any_held() -> bool {
    HELD.with(|held| !held.borrow().is_empty())
}

/// How `t`'s memory is held, if it is: exclusively wins over shared.
pub fn held(t: &Tensor) -> Option<Hold> {
    HELD.with(|held| {
        let held = held.borrow();
        if held.is_empty() {
            return None;
        }
        let (start, end) = memory_span(t)?;
        let mut found = None;
        for h in held.iter().filter(|h| h.span.0 < end && start < h.span.1) {
            if h.hold == Hold::Exclusive {
                return Some(Hold::Exclusive);
            }
            found = Some(h.hold);
        }
        found
    })
}

/// Refuses `access` to `t` while a background task holds its memory in a
/// way that forbids it; `action` names what the caller tried ("dispose it").
pub fn check(t: &Tensor, access: Access, action: &str) -> Result<()> {
    match (held(t), access) {
        (None, _) | (Some(Hold::Shared), Access::Read) => Ok(()),
        (Some(Hold::Exclusive), _) => Err(Error::invalid(format!(
            "tensor is busy: a background task (fitAsync) is using its memory; await it or abort it first (tried to {action})"
        ))),
        (Some(Hold::Shared), Access::Write) => Err(Error::invalid(format!(
            "tensor is being read by a background task (forwardAsync); await it before you {action}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn holds_cover_aliases_and_release_on_drop() {
        let t = Tensor::zeros([4, 4], (Kind::Float, Device::Cpu));
        let view = t.narrow(0, 1, 2);
        let other = Tensor::zeros([3], (Kind::Float, Device::Cpu));
        {
            let _reading = hold([&t], Hold::Shared);
            assert!(check(&view, Access::Read, "read it").is_ok());
            let err = check(&view, Access::Write, "change it in place").unwrap_err();
            assert_eq!(
                err.to_string(),
                "tensor is being read by a background task (forwardAsync); await it before you change it in place"
            );
            assert!(check(&other, Access::Write, "change it in place").is_ok());
            {
                let _training = hold([&other, &t], Hold::Exclusive);
                assert_eq!(held(&view), Some(Hold::Exclusive));
                assert!(check(&other, Access::Read, "read it").is_err());
            }
            assert_eq!(held(&other), None);
            assert_eq!(held(&t), Some(Hold::Shared));
        }
        assert!(!any_held());
        assert!(check(&view, Access::Write, "dispose it").is_ok());
    }
}
