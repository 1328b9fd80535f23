//! Jobs JumpCloud finishes later: bulk user creation and updates
//! ([`BulkUsers`]) from rows or a CSV file ([`BulkInput`]), with a handle
//! that waits for every row's outcome and can be rebuilt from the job ids
//! after a restart; and scheduled
//! suspensions or activations of many users ([`UserStates`]); and saved
//! commands run on systems, with each system's result as it arrives
//! ([`Commands`]).

mod bulk;
#[cfg(feature = "directory")]
mod commands;
mod csv;
mod userstates;

pub use bulk::{
    BulkFailure, BulkHandle, BulkInput, BulkJob, BulkKind, BulkReport, BulkRow, BulkUsers,
    DEFAULT_ROWS_PER_JOB, InputRow, JobRow, RowOutcome, RowStatus, RowUser,
};
#[cfg(feature = "directory")]
pub use commands::{
    Builtin, CommandFailure, CommandRun, Commands, Confirm, DEFAULT_OUTPUT_CAP, RunEvent,
    SystemRef, SystemResult, Target,
};
pub use userstates::{ScheduledState, UserStates};
