//! Jobs JumpCloud finishes later: bulk user creation and updates
//! ([`BulkUsers`]), with a handle that waits for every row's outcome and can
//! be rebuilt from the job ids after a restart; and scheduled
//! suspensions or activations of many users ([`UserStates`]); and saved
//! commands run on systems, with each system's result as it arrives
//! ([`Commands`]).

mod bulk;
#[cfg(feature = "directory")]
mod commands;
mod userstates;

pub use bulk::{
    BulkFailure, BulkHandle, BulkJob, BulkKind, BulkReport, BulkUsers, DEFAULT_ROWS_PER_JOB,
    RowOutcome,
};
#[cfg(feature = "directory")]
pub use commands::{
    Builtin, CommandFailure, CommandRun, Commands, Confirm, DEFAULT_OUTPUT_CAP, RunEvent,
    SystemRef, SystemResult, Target,
};
pub use userstates::{ScheduledState, UserStates};
