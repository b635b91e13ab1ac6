//! Who may see which part of the registry. Staff see everything; a requester sees its own
//! organisation and a mediator their own profile. Another organisation or another mediator
//! is a 404 rather than a 403, so that its existence does not leak; a role that never sees a
//! kind of resource gets a plain 403.
use crate::auth::{Caller, Role};
use crate::error::Error;

/// The rows of a listing a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Only(i64),
}

impl Scope {
    pub fn allows(self, id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(own) => own == id,
        }
    }
}

pub fn organisations(caller: &Caller) -> Result<Scope, Error> {
    match (caller.role, caller.organisation_id) {
        (role, _) if role.is_staff() => Ok(Scope::All),
        (Role::Requester, Some(own)) => Ok(Scope::Only(own)),
        _ => Err(Error::Forbidden(
            "only staff and requesters see organisations",
        )),
    }
}

pub fn organisation(caller: &Caller, id: i64) -> Result<(), Error> {
    if organisations(caller)?.allows(id) {
        Ok(())
    } else {
        Err(Error::NotFound("organisation"))
    }
}

pub fn mediators(caller: &Caller) -> Result<Scope, Error> {
    match (caller.role, caller.mediator_id) {
        (role, _) if role.is_staff() => Ok(Scope::All),
        (Role::Mediator, Some(own)) => Ok(Scope::Only(own)),
        _ => Err(Error::Forbidden(
            "only staff and mediators see mediator profiles",
        )),
    }
}

pub fn mediator(caller: &Caller, id: i64) -> Result<(), Error> {
    if mediators(caller)?.allows(id) {
        Ok(())
    } else {
        Err(Error::NotFound("mediator"))
    }
}
