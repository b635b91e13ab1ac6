//! `ponte bench shortage`: how long the shortage page takes on the demo's week, reading the
//! unmet demand and then the what-if (the range's instance re-solved once as it is and once
//! per top cell with a hypothetical mediator), on a scratch database of the demo's fixtures.
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{TimeDelta, Utc};
use clap::Args;
use serde_json::json;

use super::bench_kit::{round2, Scratch};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::fixtures::{self, load};
use crate::report::occurrences as occ;
use crate::report::range::Range;
use crate::report::shortage::{self, WhatIfOptions};
use crate::storage;

#[derive(Debug, Args)]
pub struct BenchShortageArgs {
    /// Cells tried by the what-if, from the largest unmet demand down.
    #[arg(long, default_value_t = WhatIfOptions::default().candidates)]
    pub candidates: usize,
    /// Solver seconds per solution (the baseline and each cell).
    #[arg(long = "per-solve", default_value_t = 1.5)]
    pub per_solve: f64,
    /// A PostgreSQL server URL (a scratch database is made there and dropped); by default a
    /// scratch SQLite file.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
}

pub fn run(args: BenchShortageArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ponte: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn bench(args: BenchShortageArgs) -> anyhow::Result<()> {
    if args.candidates == 0 || !(0.1..=60.0).contains(&args.per_solve) {
        bail!("--candidates must be at least 1 and --per-solve from 0.1 to 60 seconds");
    }
    let (url, scratch) = Scratch::open(args.database_url.as_deref(), "shortage").await?;
    let result = run_bench(&args, &url).await;
    scratch.remove().await;
    result
}

async fn run_bench(args: &BenchShortageArgs, url: &str) -> anyhow::Result<()> {
    let db = storage::connect_and_migrate(url).await?;
    let backend = format!("{:?}", db.get_database_backend()).to_lowercase();
    // The demo's week, starting next Monday so that nothing of it is past.
    let today = Utc::now().with_timezone(&DEFAULT_ZONE).date_naive() + TimeDelta::days(7);
    let data = fixtures::generate(&fixtures::demo_params(today));
    load::load(&db, &data).await?;
    let range = Range {
        from: data.start,
        to: data.start + TimeDelta::days(6),
    };
    let started = Instant::now();
    let rows = occ::load(&db, range).await?;
    let cells = shortage::cells(&rows);
    let read = started.elapsed();
    let options = WhatIfOptions {
        candidates: args.candidates,
        per_solve: Duration::from_secs_f64(args.per_solve),
        ..WhatIfOptions::default()
    };
    let started = Instant::now();
    let what_if = shortage::what_if(&db, range, &rows, options).await?;
    let solved = started.elapsed();
    db.close().await.ok();
    let report = json!({
        "database": backend,
        "week": range.from.to_string(),
        "occurrences": rows.occurrences.len(),
        "cells_with_unmet_demand": cells.len(),
        "read_ms": round2(read.as_secs_f64() * 1000.0),
        "what_if_s": round2(solved.as_secs_f64()),
        "cells_tried": what_if.tried,
        "baseline_filled": what_if.baseline_filled,
        "instance_requests": what_if.instance_requests,
        "suggestions": what_if.suggestions.len(),
        "best_gain": what_if.suggestions.first().map(|s| s.more_filled),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
