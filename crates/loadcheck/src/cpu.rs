//! Where the CPU went: each process's user + system time (all its threads, from
//! `/proc/<pid>/stat`) before and after the load, reported per 1 000 delivered messages so
//! every change to the send path shows which process got cheaper or dearer.
//!
//! The processes: every service whose pid file is in `--run-dir` (what `up.sh` writes),
//! the infrastructure found by name (MariaDB, RabbitMQ's Erlang VM, Redis) and loadcheck
//! itself. Linux only; elsewhere the table is empty.

use std::{collections::BTreeMap, path::Path, time::Instant};

/// The kernel's clock tick for `/proc` times: 100 Hz on every Linux this runs on
/// (`getconf CLK_TCK`); a different value would scale every row alike.
const TICKS_PER_SECOND: f64 = 100.0;

/// Infrastructure processes, by the name in `/proc/<pid>/comm`.
const INFRASTRUCTURE: [(&str, &str); 4] = [
    ("mariadbd", "MariaDB"),
    ("mysqld", "MySQL"),
    ("beam.smp", "RabbitMQ"),
    ("redis-server", "Redis"),
];

/// CPU seconds of each watched process at one moment.
pub struct Snapshot {
    at: Instant,
    /// label → (pid, CPU seconds so far)
    cpu: BTreeMap<String, (u32, f64)>,
}

/// The processes to watch: services from their pid files, infrastructure by name, us.
pub fn watched(run_dir: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(run_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "pid")
                && let (Some(stem), Ok(text)) = (
                    path.file_stem().and_then(|s| s.to_str()),
                    std::fs::read_to_string(&path),
                )
                && let Ok(pid) = text.trim().parse::<u32>()
                && Path::new(&format!("/proc/{pid}")).exists()
            {
                out.insert(stem.to_owned(), pid);
            }
        }
    }
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for entry in procs.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
                continue;
            };
            if let Some((_, label)) = INFRASTRUCTURE.iter().find(|(c, _)| *c == comm.trim()) {
                // Several of one kind (a second RabbitMQ node): the first label gets a suffix.
                let mut key = (*label).to_owned();
                while out.contains_key(&key) {
                    key.push('+');
                }
                out.insert(key, pid);
            }
        }
    }
    out.insert("loadcheck".into(), std::process::id());
    out
}

/// User + system CPU seconds of `pid` (all threads), or `None` when it is gone.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name (field 2) is parenthesised and may contain spaces: count from after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

pub fn snapshot(watched: &BTreeMap<String, u32>) -> Snapshot {
    Snapshot {
        at: Instant::now(),
        cpu: watched
            .iter()
            .filter_map(|(label, pid)| cpu_seconds(*pid).map(|s| (label.clone(), (*pid, s))))
            .collect(),
    }
}

/// Prints each process's CPU per 1 000 `delivered` messages between the snapshots, most
/// expensive first, with its share of one core over the interval.
pub fn print(before: &Snapshot, after: &Snapshot, delivered: u64) {
    let wall = after.at.duration_since(before.at).as_secs_f64().max(1e-9);
    let mut rows: Vec<(String, u32, f64)> = after
        .cpu
        .iter()
        .filter_map(|(label, (pid, end))| {
            let (start_pid, start) = before.cpu.get(label)?;
            // A restarted process (new pid) is counted from zero.
            let used = if start_pid == pid { end - start } else { *end };
            Some((label.clone(), *pid, used.max(0.0)))
        })
        .collect();
    if rows.is_empty() || delivered == 0 {
        return;
    }
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    let per = 1000.0 / delivered as f64;
    let total: f64 = rows.iter().map(|r| r.2).sum();
    println!(
        "  CPU per 1 000 delivered messages ({delivered} messages, {wall:.1} s; % of one core):"
    );
    for (label, pid, used) in &rows {
        println!(
            "    {label:<20} pid {pid:>7}  {:>8.1} ms  {:>5.1} %",
            used * per * 1000.0,
            used / wall * 100.0
        );
    }
    println!(
        "    {:<20} {:>11}  {:>8.1} ms  {:>5.1} %",
        "total",
        "",
        total * per * 1000.0,
        total / wall * 100.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_cpu_time_and_it_grows_with_work() {
        let me = std::process::id();
        let start = cpu_seconds(me).expect("own stat");
        let mut x = 0u64;
        let t = Instant::now();
        while t.elapsed().as_millis() < 300 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let end = cpu_seconds(me).expect("own stat");
        assert!(end - start >= 0.1, "{start} -> {end}");
        assert!(watched("/nonexistent").contains_key("loadcheck"));
    }
}
