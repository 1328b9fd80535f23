//! What the memory benchmarks share: reading this process's memory, and the
//! fake JumpCloud in a process of its own (so that only the client's memory
//! is counted), asked questions over its stdin.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A `VmRSS`/`VmHWM` line of /proc/self/status, in bytes.
pub fn status_bytes(key: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The fake in its own process, and the lines to ask it questions.
pub struct Fake {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Its base URL.
    pub url: String,
}

impl Fake {
    /// Starts the bench fake with `args` (plus `--stdin-questions`); `None`
    /// (with a note) when it cannot start, so the benchmark skips.
    pub fn start(args: &[String]) -> Option<Fake> {
        let exe = env!("CARGO_BIN_EXE_fake-jumpcloud-bench");
        let mut child = Command::new(exe)
            .args(args)
            .arg("--stdin-questions")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| eprintln!("could not start {exe}: {e}; skipping"))
            .ok()?;
        let stdin = child.stdin.take()?;
        let mut stdout = BufReader::new(child.stdout.take()?);
        let mut line = String::new();
        stdout.read_line(&mut line).ok()?;
        let started: serde_json::Value = serde_json::from_str(&line).ok()?;
        Some(Fake {
            child,
            stdin,
            stdout,
            url: started["url"].as_str()?.to_owned(),
        })
    }

    /// Ask `question` (`requests` or `floor`); the number answered.
    pub fn ask(&mut self, question: &str) -> Option<usize> {
        writeln!(self.stdin, "{question}").ok()?;
        self.stdin.flush().ok()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).ok()?;
        line.trim().parse().ok()
    }

    /// Closes its stdin (it exits) and waits for it.
    pub fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}
