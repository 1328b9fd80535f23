//! Scheduled user state changes: `/bulk/userstates` (schedule, list, cancel).

use chrono::{DateTime, Utc};
use jumpcloud_api::v2::types::{
    BulkScheduledStatechangeCreate, BulkScheduledStatechangeCreateState, ScheduledUserstateResult,
};

use crate::call::Run;
use crate::client::JumpCloud;
use crate::error::{Error, Result};
use crate::listing::Listing;

/// Users per scheduling request. JumpCloud states no limit for scheduling
/// (it limits the related `eventlist/next` lookup to 100 users), so 100 is
/// the conservative default.
const USERS_PER_REQUEST: usize = 100;

/// The state a scheduled change moves users to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScheduledState {
    /// Suspend the users.
    Suspended,
    /// Activate the users.
    Activated,
}

/// Suspends or activates many users at a chosen time, lists the changes
/// still to come, and cancels them.
///
/// ```no_run
/// use jumpcloud_ext::jobs::{ScheduledState, UserStates};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> jumpcloud_ext::Result<()> {
/// let at = chrono::Utc::now() + chrono::Duration::days(14);
/// let states = UserStates::new(&jc);
/// let scheduled = states.schedule(ScheduledState::Suspended, ["5f1b2c3d4e5f60718293a4b5"], at).await?;
/// for change in states.upcoming().await? {
///     println!("{:?} {:?} at {:?}", change.system_user_id, change.state, change.scheduled_date);
/// }
/// states.cancel(scheduled[0].scheduled_job_id.as_deref().unwrap_or_default()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct UserStates {
    jc: JumpCloud,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_request(message.into())
}

impl UserStates {
    /// Scheduled state changes through `jc`.
    pub fn new(jc: &JumpCloud) -> Self {
        UserStates { jc: jc.clone() }
    }

    /// Schedules `state` for every user id given at `at`, 100 users per
    /// request; the changes JumpCloud recorded. An empty list or an empty
    /// id (named by its position) is refused before anything is sent.
    pub async fn schedule<I, S>(
        &self,
        state: ScheduledState,
        user_ids: I,
        at: DateTime<Utc>,
    ) -> Result<Vec<ScheduledUserstateResult>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = user_ids.into_iter().map(Into::into).collect();
        if ids.is_empty() {
            return Err(invalid("no users to schedule"));
        }
        if let Some(i) = ids.iter().position(|id| id.trim().is_empty()) {
            return Err(invalid(format!("user {i}: the id is empty")));
        }
        let state = match state {
            ScheduledState::Suspended => BulkScheduledStatechangeCreateState::Suspended,
            ScheduledState::Activated => BulkScheduledStatechangeCreateState::Activated,
        };
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(USERS_PER_REQUEST) {
            let body = BulkScheduledStatechangeCreate {
                activation_email_override: None,
                send_activation_emails: None,
                start_date: at,
                state: state.clone(),
                user_ids: chunk.to_vec(),
            };
            out.extend(
                self.jc
                    .v2()
                    .bulk_user_state_create()
                    .body(body)
                    .run()
                    .await?,
            );
        }
        Ok(out)
    }

    /// Every scheduled change still to come.
    pub async fn upcoming(&self) -> Result<Vec<ScheduledUserstateResult>> {
        self.jc.v2().bulk_user_states_list().try_collect_all().await
    }

    /// The changes still to come for one user.
    pub async fn upcoming_for(&self, user_id: &str) -> Result<Vec<ScheduledUserstateResult>> {
        let list = self.jc.v2().bulk_user_states_list().userid(user_id);
        list.try_collect_all().await
    }

    /// Cancels a scheduled change by its `scheduledJobId`.
    pub async fn cancel(&self, scheduled_job_id: &str) -> Result<()> {
        if scheduled_job_id.trim().is_empty() {
            return Err(invalid("no scheduled job id to cancel"));
        }
        let delete = self.jc.v2().bulk_user_state_delete();
        delete.id(scheduled_job_id).run().await.map(drop)
    }
}
