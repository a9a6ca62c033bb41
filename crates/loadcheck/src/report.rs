//! The figures, each beside its same-run baseline.

use crate::{Args, baseline::Baseline, check::Verdict, client::Stats};

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

pub fn print(args: &Args, stats: &Stats, verdict: &Verdict, baseline: Option<&Baseline>) {
    let acked = stats.acked();
    // From the first send to the last ack: the rate the pipeline actually sustained.
    let span = stats
        .ack_span()
        .unwrap_or(stats.elapsed)
        .as_secs_f64()
        .max(1e-9);
    let throughput = acked as f64 / span;
    let lat = sorted(verdict.latencies_ms.clone());
    if args.mode == "closed" {
        println!(
            "loadcheck: mode closed users {} senders {} into one group for {} s, {} B messages",
            args.users,
            args.senders.min(args.users),
            args.duration,
            args.size
        );
    } else {
        println!(
            "loadcheck: mode {} users {} offered {:.0} msg/s for {} s, {} B messages",
            args.mode, args.users, args.rate, args.duration, args.size
        );
    }
    println!(
        "  sent {}  acked {}  send errors {}",
        stats.sent,
        acked,
        stats.sent - acked
    );
    println!(
        "  pipeline  throughput {throughput:>9.0} msg/s   send->deliver p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  ({} deliveries)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.len()
    );
    let ack_ms = sorted(
        stats
            .record
            .sends
            .lock()
            .map(|sends| {
                sends
                    .values()
                    .filter_map(|s| s.ack.as_ref().map(|a| (a.2 - s.at).as_secs_f64() * 1e3))
                    .collect()
            })
            .unwrap_or_default(),
    );
    println!(
        "  send      send->ack p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  ({} acks)",
        percentile(&ack_ms, 0.5),
        percentile(&ack_ms, 0.95),
        percentile(&ack_ms, 0.99),
        ack_ms.len()
    );
    if let Some(b) = baseline {
        let bl = sorted(b.latencies_ms.clone());
        println!(
            "  baseline  throughput {:>9.0} msg/s   publish->consume p50 {:>5.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  ({} raw lapin messages, confirms, quorum{})",
            b.per_second,
            percentile(&bl, 0.5),
            percentile(&bl, 0.95),
            percentile(&bl, 0.99),
            b.count,
            b.paced
                .map(|r| format!(", paced at {r:.0} msg/s"))
                .unwrap_or_default()
        );
        if b.paced.is_none() {
            println!(
                "  ratio     pipeline/baseline throughput {:.2}",
                throughput / b.per_second
            );
        }
    }
    println!(
        "  delivered by push {}, by sync {}, raw duplicate frames {}, dead letters {}",
        lat.len(),
        verdict.synced,
        verdict.duplicates,
        verdict
            .dead_letters
            .map(|d| d.to_string())
            .unwrap_or_else(|| "n/a".into())
    );
    if let Some(c) = &verdict.changes {
        let answers: Vec<String> = c
            .answers
            .iter()
            .map(|((kind, status), n)| format!("{kind} {status}×{n}"))
            .collect();
        let total: u64 = c.answers.values().sum();
        println!("  changes   {total} sent: {}", answers.join(", "));
        let cl = sorted(c.latencies_ms.clone());
        println!(
            "  changes   request->other device p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  ({} samples)",
            percentile(&cl, 0.5),
            percentile(&cl, 0.95),
            percentile(&cl, 0.99),
            cl.len()
        );
        println!(
            "  devices   {} live devices compared with history ({} messages); the late device synced {} new and {} changed messages",
            c.devices, c.messages_compared, c.late_new, c.late_updated
        );
        println!(
            "  devices   {} live changes arrived before their message (held by the newest rev)",
            c.overtaking
        );
    }
    if verdict.ok() {
        println!("  invariants: all hold");
    } else {
        println!("  invariants: {} VIOLATED", verdict.violations.len());
        for v in &verdict.violations {
            println!("    - {v}");
        }
    }
}
