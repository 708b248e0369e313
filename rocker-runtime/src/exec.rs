//! `exec`: a new process in a running container.
use crate::cli::Cmd;
use crate::say::Error;

pub fn exec(_cmd: &Cmd, _args: &[&[u8]]) -> Result<i32, Error> {
    Err(Error::Msg("exec: not yet"))
}
