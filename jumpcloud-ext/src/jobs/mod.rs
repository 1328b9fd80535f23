//! Jobs JumpCloud finishes later: bulk user creation and updates
//! ([`BulkUsers`]), with a handle that waits for every row's outcome and can
//! be rebuilt from the job ids after a restart; and scheduled
//! suspensions or activations of many users ([`UserStates`]).

mod bulk;
mod userstates;

pub use bulk::{
    BulkError, BulkHandle, BulkJob, BulkKind, BulkReport, BulkUsers, DEFAULT_ROWS_PER_JOB,
    RowOutcome,
};
pub use userstates::{ScheduledState, UserStates};
