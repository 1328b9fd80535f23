//! How the fake's command runs answer: each system after its own delay, some never.

use std::collections::BTreeSet;
use std::time::Duration;

use super::error::FakeError;
use super::org::FakeOrg;

/// Default wait before the first system of a run answers.
pub(crate) const COMMAND_DELAY: Duration = Duration::from_millis(100);
/// Default wait between two systems answering.
pub(crate) const COMMAND_PER_SYSTEM: Duration = Duration::from_millis(20);

/// An organisation's command timing (part of its job state).
#[derive(Debug, Default)]
pub(crate) struct CommandTiming {
    /// `(first, per_system)`; `None`: the defaults.
    pub(crate) delays: Option<(Duration, Duration)>,
    /// Systems that never answer a run.
    pub(crate) silent: BTreeSet<String>,
    /// Exit code and output overrides, by system id.
    pub(crate) exit_codes: std::collections::BTreeMap<String, i64>,
}

impl FakeOrg {
    /// How this org's command runs answer: the run's `k`-th system (in the order of the
    /// request's `systemIds`) answers `first + k * per_system` after `POST /runCommand`
    /// (defaults 100 ms and 20 ms), by adding a result to `commandresults`.
    pub fn set_command_timing(
        &self,
        first: Duration,
        per_system: Duration,
    ) -> Result<(), FakeError> {
        self.write(|org| {
            org.jobs.commands.delays = Some((first, per_system));
            Ok(())
        })
    }

    /// Systems of this org that never answer a command run (as if offline), replacing any
    /// set before.
    pub fn set_silent_systems(&self, system_ids: &[&str]) -> Result<(), FakeError> {
        self.write(|org| {
            let timing = &mut org.jobs.commands;
            timing.silent = system_ids.iter().map(|s| s.to_ascii_lowercase()).collect();
            Ok(())
        })
    }

    /// The exit code system `system_id` of this org reports for every command (default 0).
    pub fn set_command_exit_code(&self, system_id: &str, code: i64) -> Result<(), FakeError> {
        self.write(|org| {
            let timing = &mut org.jobs.commands;
            timing
                .exit_codes
                .insert(system_id.to_ascii_lowercase(), code);
            Ok(())
        })
    }
}
