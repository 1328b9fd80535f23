//! Jobs JumpCloud finishes later: bulk user creation and updates
//! ([`BulkUsers`]), with a handle that waits for every row's outcome and can
//! be rebuilt from the job ids after a restart.

mod bulk;

pub use bulk::{
    BulkError, BulkHandle, BulkJob, BulkKind, BulkReport, BulkUsers, DEFAULT_ROWS_PER_JOB,
    RowOutcome,
};
