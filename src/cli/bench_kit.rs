//! What the `ponte bench` commands share: a scratch database that is removed afterwards, one
//! HTTP exchange over a fresh connection, and how latencies are summarised.
use anyhow::{anyhow, bail, Context};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::storage;

/// A database made for one bench run: a SQLite file in the temporary folder, or a new
/// database on the PostgreSQL server the user named. Benches never write into an existing
/// database (their fixtures would mix with real data, and dispatch needs an empty one).
pub enum Scratch {
    File(std::path::PathBuf),
    Postgres { server: String, name: String },
}

impl Scratch {
    /// Makes the database and returns its URL. `server` is a PostgreSQL server URL, or
    /// `None` for SQLite; `label` tells runs of different benches apart.
    pub async fn open(server: Option<&str>, label: &str) -> anyhow::Result<(String, Scratch)> {
        let id = std::process::id();
        let Some(server) = server else {
            let file = std::env::temp_dir().join(format!("ponte-bench-{label}-{id}.db"));
            let scratch = Scratch::File(file.clone());
            scratch.remove_files();
            return Ok((format!("sqlite://{}?mode=rwc", file.display()), scratch));
        };
        if !server.starts_with("postgres") {
            bail!("--database-url is a PostgreSQL server URL (a scratch database is made there and dropped afterwards); SQLite is the default");
        }
        let name = format!("ponte_bench_{label}_{id}");
        let admin = storage::connect(server).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .context("CREATE DATABASE")?;
        admin.close().await.ok();
        let url = match server.rfind('/') {
            Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &server[..slash]),
            _ => format!("{server}/{name}"),
        };
        let server = server.to_string();
        Ok((url, Scratch::Postgres { server, name }))
    }

    /// Removes the database; errors are ignored (the run's result matters more).
    pub async fn remove(self) {
        match self {
            Scratch::File(_) => self.remove_files(),
            Scratch::Postgres { server, name } => {
                if let Ok(admin) = storage::connect(&server).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            }
        }
    }

    fn remove_files(&self) {
        if let Scratch::File(file) = self {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`): the binary has no HTTP
/// client crate, and the benches need only JSON in and out.
pub async fn http_once(
    address: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("no HTTP header in the answer"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no status in {head}"))?;
    let value = serde_json::from_str(rest).unwrap_or(Value::String(rest.to_string()));
    Ok((status, value))
}

/// The nearest-rank percentile of sorted values (`q` in 0..=1); 0 for none.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Two decimals, for figures printed as JSON.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
